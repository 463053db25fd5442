#!/usr/bin/python3
"""wasm_bench.py - times the WebAssembly build's node CLI (build-wasm/brass.js embed) on the
benchmark texts for bench/run.sh. Model loading is measured on a one-line run and subtracted;
wall and CPU time (all threads, from wait4) and peak RSS come from the child process. The vectors
must match the native CLI's (max abs diff <= 1e-4), else the numbers mean nothing.

  /usr/bin/python3 bench/wasm_bench.py BRASS_JS NATIVE_BRASS MODEL_DIR TEXTS THREADS
Prints one JSON object.
"""
import json
import os
import sys
import tempfile
import time


def run_child(cmd, stdin_bytes):
    """Runs cmd with stdin_bytes; returns (stdout, wall s, cpu s of all its threads, peak RSS
    kB). Forks by hand so that wait4 hands back the child's own rusage. stdin and stdout are
    temporary files, not pipes: node's file system layer (NODERAWFS) fails with EAGAIN when a
    pipe is full."""
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout:
        fin.write(stdin_bytes)
        fin.seek(0)
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.dup2(fin.fileno(), 0)
            os.dup2(fout.fileno(), 1)
            os.execvp(cmd[0], cmd)
        _, status, ru = os.wait4(pid, 0)
        wall = time.monotonic() - t0
        if os.waitstatus_to_exitcode(status):
            sys.exit("wasm_bench: %s failed (status %d)" % (" ".join(cmd[:3]), status))
        fout.seek(0)
        return fout.read(), wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main():
    brass_js, native, model, texts_path, threads = sys.argv[1:6]
    with open(texts_path, "rb") as f:
        texts = f.read()
    first = texts.split(b"\n", 1)[0] + b"\n"
    node = ["node", "--no-experimental-fetch", brass_js, "embed", "--model", model,
            "--threads", threads]
    _, wall1, cpu1, _ = run_child(node, first)
    out, wall, cpu, rss = run_child(node, texts)
    ref, _, _, _ = run_child([native, "embed", "--model", model, "--threads", threads], texts)
    ids, _, _, _ = run_child([native, "embed", "--model", model, "--tokens"], texts)
    tokens = sum(len(json.loads(line)) for line in ids.decode().split("\n") if line)
    got = [json.loads(line) for line in out.decode().split("\n") if line]
    want = [json.loads(line) for line in ref.decode().split("\n") if line]
    if len(got) != len(want):
        sys.exit("wasm_bench: %d vectors from WebAssembly, %d from native" % (len(got), len(want)))
    diff = max(abs(x - y) for g, w in zip(got, want) for x, y in zip(g, w))
    if diff > 1e-4:
        sys.exit("wasm_bench: WebAssembly vectors differ from native by %.3g" % diff)
    secs, cpus = wall - wall1, cpu - cpu1
    print(json.dumps({
        "engine": "brass-wasm", "threads": int(threads), "tokens": tokens,
        "load_seconds": round(wall1, 3), "seconds": round(secs, 3),
        "cpu_seconds": round(cpus, 3), "tokens_per_s": round(tokens / secs, 1),
        "tokens_per_cpu_s": round(tokens / cpus, 1), "peak_rss_kb": rss,
        "max_diff_vs_native": diff}))


if __name__ == "__main__":
    main()
