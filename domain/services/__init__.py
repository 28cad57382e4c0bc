"""Services: one command, one transaction, events appended in it."""
