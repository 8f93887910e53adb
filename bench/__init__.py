"""Benchmarks: ``bench/NAME.py`` defines ``run(scale) -> dict``; ``tianji bench NAME`` prints it as JSON."""
