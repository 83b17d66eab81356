"""Analyses of representations and error models that reports are built from (no plotting here)."""
