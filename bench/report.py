#!/usr/bin/python3
"""report.py - turns bench/run.sh's results (OUT/results/*.json) into the markdown for README.md:
tokens/s of brass and ONNX Runtime at 1 and 2 threads on real texts and on fixed 128-token
sequences, the ratios (brass / ORT, 2-thread speedup), tokens per CPU-second (robust on a shared
machine), peak RSS against the weight file's size, the WebAssembly build's speed, bench_gemm.

  /usr/bin/python3 bench/report.py build/bench
"""
import json
import os
import platform
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def fmt(x, unit=""):
    return "-" if x is None else ("%.0f%s" % (x, unit))


def ratio(a, b):
    return "-" if not a or not b else "%.2fx" % (a / b)


def main():
    out = sys.argv[1]
    res = os.path.join(out, "results")
    brass = {(s, t): load(os.path.join(res, "brass-%s-t%d.json" % (s, t)))
             for s in ("real", "fixed128") for t in (1, 2)}
    ort = {t: load(os.path.join(res, "ort-t%d.json" % t)) for t in (1, 2)}
    wasm = {t: load(os.path.join(res, "wasm-t%d.json" % t)) for t in (1, 2)}
    weights = os.path.getsize(os.path.join(out, "minilm", "model.safetensors")) / 1e6
    onnx = os.path.getsize(os.path.join(out, "minilm.onnx")) / 1e6

    def b(s, t, key="tokens_per_s"):
        r = brass[(s, t)]
        return r[key] if r else None

    def o(s, t, key="tokens_per_s"):
        r = ort[t]
        return r["results"][s][key] if r and s in r["results"] else None

    def rss(r):
        return r["peak_rss_kb"] / 1024 if r else None

    kernel = next((r["kernel"] for r in brass.values() if r), "?")
    ortv = next((r["version"] for r in ort.values() if r), "?")
    real = brass[("real", 1)] or {}
    fixed = brass[("fixed128", 1)] or {}
    load_start = open(os.path.join(res, "loadavg-start.txt")).read().split()[:3] \
        if os.path.exists(os.path.join(res, "loadavg-start.txt")) else ["?"]
    L = []
    L.append("### Embedding throughput: brass vs ONNX Runtime (all-MiniLM-L6-v2 shape)")
    L.append("")
    L.append("%s, %d cores, %s; load average at start %s. Random-weight MiniLM-L6 "
             "(6 layers, hidden 384, vocab 30,522, max 256 tokens, F32). Both engines: texts -> "
             "WordPiece ids -> padded batches of 32 sorted by length -> mean-pooled, normalised "
             "vectors; tokens = real ids incl. [CLS]/[SEP], no padding. Real texts: %s Debian "
             "package descriptions (%s tokens); fixed: %s texts x 128 tokens." %
             (cpu_name(), os.cpu_count() or 0, platform.system(), " ".join(load_start),
              real.get("texts", "?"), real.get("tokens", "?"), fixed.get("texts", "?")))
    L.append("")
    L.append("| engine | threads | real texts, tokens/s | fixed 128, tokens/s | peak RSS |")
    L.append("| --- | ---: | ---: | ---: | ---: |")
    for t in (1, 2):
        L.append("| brass (%s) | %d | %s | %s | %s |" % (
            kernel, t, fmt(b("real", t)), fmt(b("fixed128", t)),
            fmt(max(filter(None, [rss(brass[("real", t)]), rss(brass[("fixed128", t)])]),
                    default=None), " MB")))
    for t in (1, 2):
        L.append("| onnxruntime-node %s | %d | %s | %s | %s |" % (
            ortv, t, fmt(o("real", t)), fmt(o("fixed128", t)), fmt(rss(ort[t]), " MB")))
    for t in (1, 2):
        if wasm[t]:
            L.append("| brass WebAssembly (node) | %d | %s | - | %s |" %
                     (t, fmt(wasm[t]["tokens_per_s"]), fmt(rss(wasm[t]), " MB")))
    L.append("| **brass / ORT** | 1 | %s | %s | |" % (
        ratio(b("real", 1), o("real", 1)), ratio(b("fixed128", 1), o("fixed128", 1))))
    L.append("| **brass / ORT** | 2 | %s | %s | |" % (
        ratio(b("real", 2), o("real", 2)), ratio(b("fixed128", 2), o("fixed128", 2))))
    L.append("| 2-thread speedup, brass | | %s | %s | |" % (
        ratio(b("real", 2), b("real", 1)), ratio(b("fixed128", 2), b("fixed128", 1))))
    L.append("| 2-thread speedup, ORT | | %s | %s | |" % (
        ratio(o("real", 2), o("real", 1)), ratio(o("fixed128", 2), o("fixed128", 1))))
    if wasm[1]:
        L.append("| WebAssembly / native brass | 1 | %s | | |" %
                 ratio(wasm[1]["tokens_per_s"], b("real", 1)))
    L.append("")
    L.append("Tokens per CPU-second (all threads; less sensitive to other load on the machine):")
    L.append("")
    L.append("| engine | threads | real texts | fixed 128 |")
    L.append("| --- | ---: | ---: | ---: |")
    for t in (1, 2):
        L.append("| brass | %d | %s | %s |" % (t, fmt(b("real", t, "tokens_per_cpu_s")),
                                              fmt(b("fixed128", t, "tokens_per_cpu_s"))))
        L.append("| onnxruntime-node | %d | %s | %s |" % (
            t, fmt(o("real", t, "tokens_per_cpu_s")), fmt(o("fixed128", t, "tokens_per_cpu_s"))))
        if wasm[t]:
            L.append("| brass WebAssembly (node) | %d | %s | - |" %
                     (t, fmt(wasm[t]["tokens_per_cpu_s"])))
    L.append("")
    brss = rss(brass[("real", 1)])
    orss = rss(ort[1])
    L.append("Memory: model.safetensors is %.1f MB (ONNX file %.1f MB); peak RSS at 1 thread is "
             "%s for brass (%s the weights) and %s for onnxruntime-node (%s; node itself "
             "included). Model load: brass %s s, ORT %s s." % (
                 weights, onnx, fmt(brss, " MB"), ratio(brss, weights), fmt(orss, " MB"),
                 ratio(orss, weights),
                 "%.2f" % real["load_seconds"] if real else "-",
                 "%.2f" % ort[1]["load_seconds"] if ort[1] else "-"))
    if ort[1]:
        L.append("ORT's output was checked against the float64 reference before timing (max abs "
                 "diff %.1e)." % ort[1]["check_max_diff"])
    gemm = os.path.join(res, "gemm.txt")
    if os.path.exists(gemm):
        L.append("")
        L.append("bench_gemm (kernel peak and GEMM efficiency):")
        L.append("")
        L.append("```")
        L.append(open(gemm).read().rstrip())
        L.append("```")
    print("\n".join(L))


if __name__ == "__main__":
    main()
