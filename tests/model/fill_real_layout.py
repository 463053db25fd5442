#!/usr/bin/python3
"""fill_real_layout.py - writes a model.safetensors laid out byte for byte like a real one: the exact
JSON header published for the real file (8-byte little-endian length + those bytes), then generated
tensor data at the offsets that header lists. The weights are random (seeded), so the file has the
real file's size, names, shapes, dtypes and offsets (I64 buffers such as position_ids hold 0..n-1)
but none of its values: loaders and layout checks run on the real format without the real weights.

  fill_real_layout.py HEADER_JSON OUT_SAFETENSORS [--seed N]
"""
import argparse
import json
import struct

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("header")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with open(a.header, "rb") as f:
        raw = f.read()
    header = json.loads(raw)
    rng = np.random.default_rng(a.seed)
    size = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
    data = bytearray(size)
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        if info["dtype"] == "I64":
            last = info["shape"][-1] if info["shape"] else 1
            arr = np.resize(np.arange(last, dtype="<i8"), count)
        elif info["dtype"] == "F32":
            if name.endswith("LayerNorm.weight"):
                arr = (1.0 + 0.02 * rng.standard_normal(count)).astype("<f4")
            elif name.endswith("bias"):
                arr = (0.02 * rng.standard_normal(count)).astype("<f4")
            else:
                arr = (0.05 * rng.standard_normal(count)).astype("<f4")
        else:
            raise SystemExit(f"{a.header}: {name}: dtype {info['dtype']} not handled here")
        b = arr.tobytes()
        if len(b) != end - start:
            raise SystemExit(f"{a.header}: {name}: {len(b)} bytes for offsets {start}..{end}")
        data[start:end] = b
    with open(a.out, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        f.write(data)


if __name__ == "__main__":
    main()
