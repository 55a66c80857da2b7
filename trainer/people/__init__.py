"""The people register (trainer.people.models): who works at the bank, in which department, with which roles."""
