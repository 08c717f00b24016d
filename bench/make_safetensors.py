#!/usr/bin/python3
"""Writes a valid safetensors file of random bytes: make_safetensors.py OUT TOTAL_MIB TENSOR_MIB.

Tensors are U8 vectors named layer.N.weight, laid out back to back as the reference writer does
(header padded with spaces to a multiple of 8 bytes). Used by bench/fuse-bench.sh and tests.
"""
import json
import os
import struct
import sys

out, total_mib, tensor_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sizes = []
left = total_mib << 20
while left > 0:
    sizes.append(min(left, tensor_mib << 20))
    left -= sizes[-1]
header, offset = {"__metadata__": {"format": "pt"}}, 0
for i, n in enumerate(sizes):
    header["layer.%d.weight" % i] = {"dtype": "U8", "shape": [n], "data_offsets": [offset, offset + n]}
    offset += n
raw = json.dumps(header, separators=(",", ":")).encode()
raw += b" " * (-len(raw) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(raw)))
    f.write(raw)
    for n in sizes:
        while n > 0:
            step = min(n, 64 << 20)
            f.write(os.urandom(step))
            n -= step
