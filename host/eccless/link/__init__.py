"""The link to a device: one `Device` object over registered backends (QEMU, a serial port or socket, the
in-process fake), the request/response client, and the one QEMU launcher (firmware_sim/ reuses it).

Imports stay lazy where they cost: pyserial is only needed to open a URL, the toolchain only to build.
"""

from .backends import BACKENDS, Device, open_device
from .client import Client, DeviceStatusError
from .fake import FakeDevice, FakePort

__all__ = ["BACKENDS", "Client", "Device", "DeviceStatusError", "FakeDevice", "FakePort", "open_device"]
