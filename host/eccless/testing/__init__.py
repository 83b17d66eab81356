"""Test helpers outside the public API: the firmware's C built for the host (a ctypes kernel library and sanitizer
harnesses of the loader), and seeded fuzzers of the protocol and the image format."""
