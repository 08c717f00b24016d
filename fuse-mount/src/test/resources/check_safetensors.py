"""check_safetensors.py MOUNTED SOURCE: parse the safetensors header of MOUNTED, memory-map
every tensor from it with numpy as loaders do, and compare each with the same tensor read
from SOURCE. Prints "ok <tensors> <bytes>"; exits 1 on the first difference."""
import json
import mmap
import struct
import sys

import numpy as np

DTYPES = {"U8": np.uint8, "I8": np.int8, "F16": np.float16, "BF16": np.uint16, "F32": np.float32,
          "F64": np.float64, "I32": np.int32, "I64": np.int64}


def layout(f):
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    return 8 + n, header


def main(mounted, source):
    with open(mounted, "rb") as f, open(source, "rb") as s:
        start, header = layout(f)
        if (start, header) != layout(s):
            sys.exit("header of %s differs from the source's" % mounted)
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        total = 0
        # File order is what format-aware prefetch serves first; check in reverse to fault against it.
        for name, t in sorted(header.items(), key=lambda kv: -kv[1]["data_offsets"][0]):
            begin, end = t["data_offsets"]
            dtype = DTYPES[t["dtype"]]
            got = np.frombuffer(m, dtype=dtype, count=(end - begin) // np.dtype(dtype).itemsize,
                                offset=start + begin).reshape(t["shape"])
            s.seek(start + begin)
            want = np.frombuffer(s.read(end - begin), dtype=dtype).reshape(t["shape"])
            if not np.array_equal(got.view(np.uint8), want.view(np.uint8)):
                sys.exit("tensor %s of %s differs from the source" % (name, mounted))
            total += end - begin
            del got
        m.close()
    print("ok %d %d" % (len(header), total))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
