"""Securitised pools: eligibility, composition, the waterfall, triggers and projections (pure rules)."""
