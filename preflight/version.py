"""The package version: one place, read by the build (pyproject's hatch) and by every output that names it."""
__version__ = "0.1.0"
