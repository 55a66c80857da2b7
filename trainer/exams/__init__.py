"""Question bank, exam attempts and grading."""
