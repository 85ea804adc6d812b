"""Benchmarks: the real bot against the local stand-ins; see docs/benchmarks.md."""
