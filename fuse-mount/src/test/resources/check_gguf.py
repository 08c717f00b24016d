"""check_gguf.py MOUNTED SOURCE: parse the GGUF header of MOUNTED (as llama.cpp's loader does:
metadata, tensor infos, data at general.alignment), memory-map every tensor from it with numpy
and compare each with the same bytes read from SOURCE. Prints "ok <tensors> <bytes>"; exits 1
on the first difference."""
import mmap
import struct
import sys

import numpy as np

SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
GGML = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144), 14: (256, 210), 30: (1, 2)}


def layout(f):
    rd = lambda fmt: struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))[0]
    rs = lambda: f.read(rd("Q")).decode()

    def value(t):
        if t == 8:
            return rs()
        if t == 9:
            et, n = rd("I"), rd("Q")
            return [value(et) for _ in range(n)]
        return rd(SCALARS[t])

    if f.read(4) != b"GGUF":
        sys.exit("not a GGUF file")
    version, n_tensors, n_kv = rd("I"), rd("Q"), rd("Q")
    meta = {rs(): value(rd("I")) for _ in range(n_kv)}
    align = meta.get("general.alignment", 32)
    infos = []
    for _ in range(n_tensors):
        name = rs()
        dims = [rd("Q") for _ in range(rd("I"))]
        typ, off = rd("I"), rd("Q")
        block, size = GGML[typ]
        infos.append((name, off, int(np.prod(dims)) // block * size))
    start = (f.tell() + align - 1) // align * align
    return [(name, start + off, n) for name, off, n in infos]


def main(mounted, source):
    with open(mounted, "rb") as f, open(source, "rb") as s:
        tensors = layout(f)
        if tensors != layout(s):
            sys.exit("header of %s differs from the source's" % mounted)
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        total = 0
        # Against file order (what format-aware prefetch serves first): fault from the back.
        for name, begin, n in sorted(tensors, key=lambda t: -t[1]):
            got = np.frombuffer(m, dtype=np.uint8, count=n, offset=begin)
            s.seek(begin)
            if not np.array_equal(got, np.frombuffer(s.read(n), dtype=np.uint8)):
                sys.exit("tensor %s of %s differs from the source" % (name, mounted))
            total += n
            del got
        m.close()
    print("ok %d %d" % (len(tensors), total))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
