#!/usr/bin/python3
"""make_seeds.py [DIR] - write the seed corpora of the .npy and USB link fuzzers
(DIR/npy, DIR/usb_link; DIR defaults to tests/fuzz/corpus); docs/fuzzing.md.

The .npy seeds are what NumPy writes (versions 1.0 and 2.0; int8 and the dataset dtypes).
The USB seeds are scripts of fuzz_usb_link.c (a control byte, then that many received
bytes; 0xF3: silence until the next request) holding a device's answers to the harness's
fixed session: whole or split, with a corrupted frame, a stale answer, a timeout or an
error status on the way.
"""
import io
import os
import struct
import sys

import numpy as np


def crc16(b):
    c = 0xFFFF
    for x in b:
        c ^= x << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def rsp(cmd, seq, status=0, value=0, payload=b''):
    h = struct.pack('<BBBBHI', cmd, seq, status, 0, len(payload), value)
    f = b'\x5a\xa5' + h + struct.pack('<H', crc16(h))
    return f + (payload + struct.pack('<H', crc16(payload)) if payload else b'')


def hello(seq=0, max_payload=64):
    p = b'HTAU' + struct.pack('<HHHHII', 1, max_payload, 16, 0, 1000, 0)
    return rsp(1, seq, value=1, payload=p)


def session(max_payload=64):
    """The answers to HELLO, REG_WRITE, REG_READ, MEM_WRITE 100, MEM_READ 100, WAIT, START."""
    out, seq = [hello(0, max_payload)], 1
    out.append(rsp(2, seq)); seq += 1
    out.append(rsp(3, seq, value=0xCAFE)); seq += 1
    for _ in range(0, 100, max_payload):
        out.append(rsp(4, seq)); seq += 1
    for off in range(0, 100, max_payload):
        out.append(rsp(5, seq, payload=bytes(range(off, off + min(max_payload, 100 - off)))))
        seq += 1
    out.append(rsp(7, seq, value=2)); seq += 1
    out.append(rsp(6, seq))
    return out


def script(frames, chunk=0xEF):
    """Each frame in records of at most `chunk` bytes, then silence (0xF3) until the host's
    next request."""
    s = b''
    for f in frames:
        for i in range(0, len(f), chunk):
            s += bytes([len(f[i:i + chunk])]) + f[i:i + chunk]
        s += b'\xf3'
    return s


def usb_seeds():
    s = session()
    bad = bytearray(s[2]); bad[-1] ^= 1  # REG_READ's header CRC broken: a retry follows
    yield 'session', script(s)
    yield 'session_mp16', script(session(16))
    yield 'session_bytes7', script(s, 7)
    yield 'crc_retry', script(s[:2] + [bytes(bad), s[2]] + s[3:])
    yield 'stale_answer', script(s[:2] + [rsp(2, 1)] + s[2:])
    yield 'timeout_record', script(s[:3]) + b'\xf0' + script(s[3:])
    yield 'status_error', script(s[:2] + [rsp(3, 2, status=4, value=0x10)] + s[3:])
    yield 'wait_timeout', script(s[:-2] + [rsp(7, 7, status=7)] + s[-1:])
    yield 'hello_only', script(s[:1]) + b'\xf1'
    yield 'io_error', script(s[:4]) + b'\xf2'


def npy_bytes(a, version=None):
    f = io.BytesIO()
    if version is None:
        np.save(f, a)
    else:
        np.lib.format.write_array(f, a, version=version)
    return f.getvalue()


def npy_seeds():
    rng = np.random.default_rng(1)
    yield 'i1_2x3', npy_bytes(rng.integers(-128, 128, (2, 3), dtype=np.int8))
    yield 'i1_nhwc', npy_bytes(rng.integers(-128, 128, (1, 4, 4, 3), dtype=np.int8))
    yield 'i1_0d', npy_bytes(np.int8(5))
    yield 'i1_empty', npy_bytes(np.zeros((0, 3), np.int8))
    yield 'i1_v2', npy_bytes(rng.integers(-128, 128, (5,), dtype=np.int8), (2, 0))
    yield 'u1_images', npy_bytes(rng.integers(0, 256, (2, 3, 3), dtype=np.uint8))
    yield 'i8_labels', npy_bytes(np.arange(6, dtype=np.int64))
    yield 'f4_images', npy_bytes(rng.standard_normal((2, 2, 2)).astype(np.float32))
    yield 'f8', npy_bytes(np.array([0.5, -1e300, np.nan]))
    yield 'u2', npy_bytes(np.arange(4, dtype=np.uint16))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    for name, gen in (('usb_link', usb_seeds), ('npy', npy_seeds)):
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for stem, data in gen():
            with open(os.path.join(d, 'seed_' + stem), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
