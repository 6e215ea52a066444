"""Boilerplate cleaner (filled in by the cleaner work)."""
