#!/usr/bin/python3
"""Writes a valid GGUF (v3) file of random Q8_0 tensors: make_gguf.py OUT TOTAL_MIB TENSOR_MIB [VOCAB].

Laid out as llama.cpp's gguf writer does: header, metadata (architecture, alignment 32 and a
llama-style tokenizer of VOCAB tokens, default 32000: tokens, scores and token types as
arrays), tensor infos, padding to 32, then the tensors, each padded to 32. Tensors are
blk.N.ffn_down.weight of dims [4096, rows] in Q8_0 (34 bytes per 32 elements), as many rows as
fit TENSOR_MIB. Used by bench/fuse-bench.sh.
"""
import os
import struct
import sys

out, total_mib, tensor_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vocab = int(sys.argv[4]) if len(sys.argv) > 4 else 32000
ALIGN = 32
ROW_BYTES = 4096 // 32 * 34


def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, typ, raw):
    return s(key) + struct.pack("<I", typ) + raw


pad = lambda n: (n + ALIGN - 1) // ALIGN * ALIGN
rows = max(1, (tensor_mib << 20) // ROW_BYTES)
count = max(1, (total_mib << 20) // (rows * ROW_BYTES))
tokens = ["<unk>", "<s>", "</s>"] + ["tok%d" % i for i in range(vocab - 3)]
meta = [
    kv("general.architecture", 8, s("llama")),
    kv("general.name", 8, s("modelfs-bench")),
    kv("general.alignment", 4, struct.pack("<I", ALIGN)),
    kv("llama.block_count", 4, struct.pack("<I", count)),
    kv("tokenizer.ggml.model", 8, s("llama")),
    kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, vocab) + b"".join(s(t) for t in tokens)),
    kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, vocab) + struct.pack("<%df" % vocab, *[-float(i) for i in range(vocab)])),
    kv("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, vocab) + struct.pack("<%di" % vocab, *([1] * vocab))),
]
infos, offset = [], 0
for i in range(count):
    infos.append(s("blk.%d.ffn_down.weight" % i) + struct.pack("<IQQ", 2, 4096, rows) + struct.pack("<IQ", 8, offset))
    offset += pad(rows * ROW_BYTES)
header = b"GGUF" + struct.pack("<IQQ", 3, count, len(meta)) + b"".join(meta) + b"".join(infos)
header += b"\0" * (pad(len(header)) - len(header))
with open(out, "wb") as f:
    f.write(header)
    for _ in range(count):
        n = pad(rows * ROW_BYTES)
        while n > 0:
            step = min(n, 64 << 20)
            f.write(os.urandom(step))
            n -= step
