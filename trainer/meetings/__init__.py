"""Credit staff meetings: the monthly record per department of the loans discussed and the warning signals decided."""
