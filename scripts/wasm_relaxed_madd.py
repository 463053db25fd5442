#!/usr/bin/env python3
"""wasm_relaxed_madd.py - rewrites the pre-standard relaxed-SIMD multiply-add that Emscripten
3.1.6 (LLVM 14) emits into the standard instruction, in place, for the relaxed build of brass.

LLVM 14 encodes __builtin_wasm_fma_f32x4 as 0xfd 0xaf 0x01 ("f32x4.fma" of the relaxed-SIMD
proposal's early drafts); engines today accept only the standard f32x4.relaxed_madd,
0xfd 0x85 0x02, which computes a * b + c from the same three stack operands (the source,
src/nn/gemm_wasm.c, passes them in that order). Both encodings are three bytes, so the rewrite
changes no offsets or sizes.

Safety: the byte pattern could also occur inside an immediate (0xfd 0xaf 0x01 is a valid
three-byte LEB128), so the script counts the instruction with binaryen's disassembler (wasm-dis,
which still knows the old encoding as f32x4.relaxed_fma) and refuses to write anything unless the
pattern occurs in the code section exactly that many times and no other relaxed-SIMD instruction
is present. Usage: wasm_relaxed_madd.py FILE.wasm
"""
import re
import subprocess
import sys

OLD = b"\xfd\xaf\x01"
NEW = b"\xfd\x85\x02"


def leb_u32(data, pos):
    """Reads an unsigned LEB128 at pos; returns (value, next position)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def code_section(data):
    """(start, end) of the code section's payload."""
    if data[:4] != b"\0asm":
        sys.exit("wasm_relaxed_madd: %s: not a WebAssembly module" % sys.argv[1])
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, pos = leb_u32(data, pos + 1)
        if sid == 10:
            return pos, pos + size
        pos += size
    sys.exit("wasm_relaxed_madd: %s: no code section" % sys.argv[1])


def main():
    path = sys.argv[1]
    data = bytearray(open(path, "rb").read())
    dis = subprocess.run(["wasm-dis", path], capture_output=True, text=True)
    start, end = code_section(data)
    if dis.returncode != 0:
        if data.find(OLD, start, end) < 0 and data.find(NEW, start, end) >= 0:
            print("wasm_relaxed_madd: %s: already rewritten" % path)
            return
        sys.exit("wasm_relaxed_madd: %s: wasm-dis failed: %s" % (path, dis.stderr.strip()[:200]))
    text = dis.stdout
    # instructions only: "(f32x4.relaxed_fma", "(i8x16.relaxed_swizzle", ... (not data strings)
    relaxed = re.findall(r"^\s*\(([a-z0-9]+\.relaxed_[a-z0-9_]+)", text, re.M)
    fma = relaxed.count("f32x4.relaxed_fma")
    if fma != len(relaxed):
        others = sorted(set(relaxed) - {"f32x4.relaxed_fma"})
        sys.exit("wasm_relaxed_madd: %s: other relaxed-SIMD instructions present: %s" %
                 (path, ", ".join(others)))
    hits = []
    pos = data.find(OLD, start, end)
    while pos >= 0:
        hits.append(pos)
        pos = data.find(OLD, pos + 1, end)
    if len(hits) != fma:
        sys.exit("wasm_relaxed_madd: %s: %d byte patterns but %d instructions; not rewriting" %
                 (path, len(hits), fma))
    for pos in hits:
        data[pos:pos + 3] = NEW
    open(path, "wb").write(data)
    print("wasm_relaxed_madd: %s: %d multiply-adds rewritten" % (path, fma))


if __name__ == "__main__":
    main()
