"""The staff console: server-rendered pages on the domain services."""
