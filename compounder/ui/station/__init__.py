"""The weighing station: one line at a time, the scanner and the balance at the bench."""
