"""Training batches (cohorts): a group trained together and assessed by the exam at the end."""
