"""One module per page area; each exposes `routes`."""
