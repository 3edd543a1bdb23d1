"""Measurements (make bench, make bench-class): each writes JSON; numbers are never asserted in tests."""
