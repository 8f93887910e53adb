"""Truck GPS and vessel AIS tracks: columnar storage, fences, multi-zone control, companions."""
