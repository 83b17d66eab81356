"""Int8 .tflite files without TensorFlow: export a QGraph, import a converter-made model into one."""

from .export import export_tflite, to_tflite_bytes
from .import_ import load_tflite, read_tflite

__all__ = ["export_tflite", "load_tflite", "read_tflite", "to_tflite_bytes"]
