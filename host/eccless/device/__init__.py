"""The device side of eccless: the serial protocol (defined once in protocol.py), its client, device backends
(qemu, serial, loop), the firmware build and the QEMU harness. docs/PROTOCOL.md and docs/FIRMWARE.md describe them.

Imports stay lazy where they cost: pyserial is only needed to open a URL, the toolchain only to build.
"""

from .backends import BACKENDS, Device, open_device
from .client import Client, DeviceStatusError
from .fake import FakeDevice, FakePort

__all__ = ["BACKENDS", "Client", "Device", "DeviceStatusError", "FakeDevice", "FakePort", "open_device"]
