"""Tianji: a knowledge-graph investigation platform for customs risk and anti-smuggling units."""

__version__ = "0.1.0"
