#!/usr/bin/python3
"""The clients bench/fuse-bench.sh times, each printing one line of key=value results.

  readers.py seq FILE              read() the whole file in 1 MiB calls: seconds, MB/s
  readers.py mmap FILE [ORDER]     numpy-map every tensor of a safetensors or GGUF file and touch each page,
                                   in file ORDER (default), in name ORDER (sorted names, as safetensors'
                                   safe_open().keys() gives them to a loader) or shuffled ORDER (seeded)
  readers.py rand FILE SIZE N SEED N reads of SIZE bytes at random offsets: first, p50, p99 ms
  readers.py header FILE           time to the parsed header: safetensors (open, 8 bytes, JSON) or GGUF
  readers.py chunks DIR LIST       read chunk files in the order LIST names them (warm baseline)
  readers.py digests FILE CS       print the SHA-256 of each CS-byte chunk of FILE, in order
  readers.py folios FILE [BYTES]   sizes of the page-cache folios holding FILE's first BYTES (all): maps the
                                   file, touches each page, reads /proc/self/pagemap + /proc/kpageflags (root)
"""
import io
import json
import mmap
import os
import random
import struct
import sys
import time


def seq(path):
    t = time.monotonic()
    n = 0
    with open(path, "rb", buffering=0) as f:
        buf = bytearray(1 << 20)
        while True:
            k = f.readinto(buf)
            if not k:
                break
            n += k
    s = time.monotonic() - t
    print("bytes=%d seconds=%.3f MBps=%.1f" % (n, s, n / s / 1e6))


def tensors(f):
    """(name, begin, end) of every tensor, in the header's order."""
    if f.read(4) == b"GGUF":
        return gguf_tensors(f)
    f.seek(0)
    length = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(length))
    start = 8 + length
    return [(k, start + v["data_offsets"][0], start + v["data_offsets"][1])
            for k, v in header.items() if k != "__metadata__"]


# GGUF metadata value types: struct format of the fixed-size ones (8 = string, 9 = array).
GGUF_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
# ggml type -> (block elements, block bytes), for the types make_gguf.py writes and a few common ones.
GGML_TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144), 14: (256, 210), 30: (1, 2)}


def gguf_tensors(f):
    """Tensor ranges of a GGUF file (after the 4-byte magic), as llama.cpp's loader computes them."""
    buf = io.BufferedReader(f, 1 << 20)
    rd = lambda fmt: struct.unpack("<" + fmt, buf.read(struct.calcsize("<" + fmt)))[0]
    rs = lambda: buf.read(rd("Q")).decode()

    def value(t):
        if t == 8:
            return rs()
        if t == 9:
            et, n = rd("I"), rd("Q")
            if et in GGUF_SCALARS:  # one read, as gguf-py's numpy view does
                return buf.read(n * struct.calcsize("<" + GGUF_SCALARS[et]))
            return [value(et) for _ in range(n)]
        return rd(GGUF_SCALARS[t])

    version, n_tensors, n_kv = rd("I"), rd("Q"), rd("Q")
    meta = {}
    for _ in range(n_kv):
        k = rs()
        meta[k] = value(rd("I"))
    align = meta.get("general.alignment", 32)
    infos = []
    for _ in range(n_tensors):
        name = rs()
        dims = [rd("Q") for _ in range(rd("I"))]
        typ, off = rd("I"), rd("Q")
        elements = 1
        for d in dims:
            elements *= d
        block, size = GGML_TYPES[typ]
        infos.append((name, off, elements // block * size))
    start = (buf.tell() + align - 1) // align * align  # tell() is the absolute position
    return [(name, start + off, start + off + n) for name, off, n in infos]


def mmap_all(path, order="file"):
    import numpy as np
    t = time.monotonic()
    total, n = 0, 0
    with open(path, "rb", buffering=0) as f:
        ranges = sorted(tensors(f), key=(lambda r: r[0]) if order == "names" else (lambda r: r[1]))
        if order == "shuffled":
            random.Random(1).shuffle(ranges)
        ranges = [(b, e) for _, b, e in ranges]
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        arr = np.frombuffer(m, dtype=np.uint8)
        for begin, end in ranges:
            total += int(arr[begin:end:4096].sum())  # one byte of every page faults it in
            n += end - begin
        del arr
        m.close()
    s = time.monotonic() - t
    print("bytes=%d seconds=%.3f MBps=%.1f checksum=%d" % (n, s, n / s / 1e6, total))


def rand(path, size, count, seed):
    rng = random.Random(seed)
    lat = []
    fd = os.open(path, os.O_RDONLY)
    try:
        end = os.fstat(fd).st_size - size
        for _ in range(count):
            off = rng.randrange(0, end) // 4096 * 4096
            t = time.monotonic()
            got = os.pread(fd, size, off)
            lat.append((time.monotonic() - t) * 1000)
            assert len(got) == size
    finally:
        os.close(fd)
    first = lat[0]
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("first_ms=%.1f p50_ms=%.2f p99_ms=%.1f max_ms=%.1f total_s=%.2f" % (first, pct(0.5), pct(0.99), lat[-1], sum(lat) / 1000))


def header(path):
    t = time.monotonic()
    with open(path, "rb") as f:
        n = len(tensors(f))
    print("tensors=%d ttfb_ms=%.1f" % (n, (time.monotonic() - t) * 1000))


def chunks(directory, listing):
    t = time.monotonic()
    n = 0
    buf = bytearray(1 << 20)
    with open(listing) as names:
        for hexd in names.read().split():
            with open(os.path.join(directory, hexd[:2], hexd), "rb", buffering=0) as f:
                while True:
                    k = f.readinto(buf)
                    if not k:
                        break
                    n += k
    s = time.monotonic() - t
    print("bytes=%d seconds=%.3f MBps=%.1f" % (n, s, n / s / 1e6))


def digests(path, cs):
    import hashlib
    with open(path, "rb") as f:
        while True:
            b = f.read(cs)
            if not b:
                break
            print(hashlib.sha256(b).hexdigest())


def folios(path, limit=None):
    """Histogram of the folio sizes of a cached file, e.g. "4k:100%" (FUSE, tmpfs) or "2048k:84% ..." (ext4)."""
    page = mmap.PAGESIZE
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        size = size if limit is None else min(size, limit)
        n = size // page
        m = mmap.mmap(f.fileno(), n * page, prot=mmap.PROT_READ)
        for i in range(n):  # maps the cached pages (reads any page not cached)
            m[i * page]
        base = None
        real = os.path.realpath(path)
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split()
                if len(parts) >= 6 and parts[5] == real:
                    lo, hi = (int(x, 16) for x in parts[0].split("-"))
                    if hi - lo == n * page:
                        base = lo
        if base is None:
            sys.exit("folios: cannot find the mapping of %s in /proc/self/maps" % path)
        with open("/proc/self/pagemap", "rb") as pm:
            pm.seek(base // page * 8)
            entries = struct.unpack("%dQ" % n, pm.read(8 * n))
        head, tail = 1 << 15, 1 << 16  # KPF_COMPOUND_HEAD, KPF_COMPOUND_TAIL
        runs = {}
        run = 0
        with open("/proc/kpageflags", "rb") as kf:
            for e in entries:
                if not e >> 63 & 1:
                    continue
                kf.seek((e & ((1 << 55) - 1)) * 8)
                flags = struct.unpack("Q", kf.read(8))[0]
                if flags & tail:
                    run += 1
                    continue
                if run:
                    runs[run] = runs.get(run, 0) + 1
                run = 1
        if run:
            runs[run] = runs.get(run, 0) + 1
        m.close()
    total = sum(k * v for k, v in runs.items()) or 1
    print("folios=" + ",".join("%dk:%.0f%%" % (k * page >> 10, 100.0 * k * v / total) for k, v in sorted(runs.items())))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "seq":
        seq(sys.argv[2])
    elif mode == "mmap":
        mmap_all(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "file")
    elif mode == "rand":
        rand(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "header":
        header(sys.argv[2])
    elif mode == "chunks":
        chunks(sys.argv[2], sys.argv[3])
    elif mode == "digests":
        digests(sys.argv[2], int(sys.argv[3]))
    elif mode == "folios":
        folios(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
    else:
        sys.exit("unknown mode " + mode)
