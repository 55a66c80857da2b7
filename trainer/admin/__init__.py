"""Administration: people, departments, content."""
