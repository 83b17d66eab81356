"""eccless: neural networks whose weights live on storage with error correction turned off."""

__version__ = "0.1.0"
