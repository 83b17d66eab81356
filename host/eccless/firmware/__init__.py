"""The firmware as the host builds it: the C source manifest and its one set of flags (manifest.py), the build for a
board (build.py), the files generated from the Python definitions (codegen.py: protocol and image headers, ECC
tables, representation and rule tables, the board header and linker script) and instruction-count measurements."""
