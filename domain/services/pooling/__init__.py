"""Pools on the ledger: building them, the cash their loans bring, and closing their periods."""
