"""HR: people overview and staff import."""
