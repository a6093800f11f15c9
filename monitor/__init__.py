"""monitor: watches news feeds for figures that move."""

__version__ = "0.1.0"
