"""reader: a terminal reader for saved articles."""

__version__ = "0.1.0"
