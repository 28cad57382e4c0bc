"""Benchmarks: `python -m bench.<name>`. Speed targets live here, never in tests."""
