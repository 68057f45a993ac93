"""Benchmarks: measured, not asserted. Run from the repository root, e.g.
``python -m bench.reminder_fanout``; see ``bench/README.md``."""
