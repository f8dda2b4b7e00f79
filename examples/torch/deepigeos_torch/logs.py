"""Training logs like the CLI's: `OUT/metrics.jsonl` (one JSON record per step / validation) and
TensorBoard scalars (`train/loss`, `val/dice`) in `<logDir>/<name of OUT>/events.out.tfevents.*`,
written without TensorFlow (TFRecord framing with masked CRC-32C, hand-encoded protobuf)."""
import json
import os
import socket
import struct
import time


def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def _masked_crc(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, payload):
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


class EventWriter:
    """Appends scalar events to one TensorBoard event file."""

    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self.file = open(os.path.join(folder, name), "ab")
        self._write(b"\x09" + struct.pack("<d", time.time()) + _field(3, b"brain.Event:2"))

    def _write(self, event):
        header = struct.pack("<Q", len(event))
        self.file.write(header + struct.pack("<I", _masked_crc(header)) + event + struct.pack("<I", _masked_crc(event)))
        self.file.flush()

    def scalar(self, tag, value, step):
        value_msg = _field(1, tag.encode()) + b"\x15" + struct.pack("<f", value)
        self._write(b"\x09" + struct.pack("<d", time.time()) + b"\x10" + _varint(step) + _field(5, _field(1, value_msg)))

    def close(self):
        self.file.close()


def append_metrics(path, record):
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
