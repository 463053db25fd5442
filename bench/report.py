#!/usr/bin/python3
"""report.py - turns bench/run.sh's results (OUT/results/*.json) into the markdown for README.md:
tokens/s of brass and ONNX Runtime at 1 and 2 threads on short texts (package synopses), real
texts (package descriptions) and fixed 128-token sequences, the ratios (brass / ORT, 2-thread speedup), tokens per CPU-second (robust on a shared
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


# The text sets bench/run.sh measures: (name, column heading).
SETS = (("short", "short texts"), ("real", "real texts"), ("fixed128", "fixed 128"))


def main():
    out = sys.argv[1]
    res = os.path.join(out, "results")
    names = [s for s, _ in SETS]
    brass = {(s, t): load(os.path.join(res, "brass-%s-t%d.json" % (s, t)))
             for s in names for t in (1, 2)}
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

    def row(*cells):
        return "| " + " | ".join(cells) + " |"

    kernel = next((r["kernel"] for r in brass.values() if r), "?")
    ortv = next((r["version"] for r in ort.values() if r), "?")
    info = {s: brass[(s, 1)] or {} for s in names}
    real = info["real"]
    load_start = open(os.path.join(res, "loadavg-start.txt")).read().split()[:3] \
        if os.path.exists(os.path.join(res, "loadavg-start.txt")) else ["?"]
    L = []
    L.append("### Embedding throughput: brass vs ONNX Runtime (all-MiniLM-L6-v2 shape)")
    L.append("")
    L.append("%s, %d cores, %s; load average at start %s. Random-weight MiniLM-L6 "
             "(6 layers, hidden 384, vocab 30,522, max 256 tokens, F32). Both engines: texts -> "
             "WordPiece ids -> batches of 32 sorted by length -> mean-pooled, normalised "
             "vectors; tokens = real ids incl. [CLS]/[SEP], no padding. Short texts: %s Debian "
             "package synopses (%s tokens); real texts: %s Debian package descriptions "
             "(%s tokens); fixed: %s texts x 128 tokens." %
             (cpu_name(), os.cpu_count() or 0, platform.system(), " ".join(load_start),
              info["short"].get("texts", "?"), info["short"].get("tokens", "?"),
              real.get("texts", "?"), real.get("tokens", "?"), info["fixed128"].get("texts", "?")))
    L.append("")
    L.append(row("engine", "threads", *["%s, tokens/s" % h for _, h in SETS], "peak RSS"))
    L.append(row("---", *["---:"] * (len(SETS) + 2)))
    for t in (1, 2):
        peak = max(filter(None, [rss(brass[(s, t)]) for s in names]), default=None)
        L.append(row("brass (%s)" % kernel, str(t), *[fmt(b(s, t)) for s in names],
                     fmt(peak, " MB")))
    for t in (1, 2):
        L.append(row("onnxruntime-node %s" % ortv, str(t), *[fmt(o(s, t)) for s in names],
                     fmt(rss(ort[t]), " MB")))
    for t in (1, 2):
        if wasm[t]:
            L.append(row("brass WebAssembly (node)", str(t), "-",
                         fmt(wasm[t]["tokens_per_s"]), "-", fmt(rss(wasm[t]), " MB")))
    for t in (1, 2):
        L.append(row("**brass / ORT**", str(t), *[ratio(b(s, t), o(s, t)) for s in names], ""))
    L.append(row("2-thread speedup, brass", "", *[ratio(b(s, 2), b(s, 1)) for s in names], ""))
    L.append(row("2-thread speedup, ORT", "", *[ratio(o(s, 2), o(s, 1)) for s in names], ""))
    if wasm[1]:
        L.append(row("WebAssembly / native brass", "1", "",
                     ratio(wasm[1]["tokens_per_s"], b("real", 1)), "", ""))
    L.append("")
    L.append("Tokens per CPU-second (all threads; less sensitive to other load on the machine):")
    L.append("")
    L.append(row("engine", "threads", *[h for _, h in SETS]))
    L.append(row("---", *["---:"] * (len(SETS) + 1)))
    for t in (1, 2):
        L.append(row("brass", str(t), *[fmt(b(s, t, "tokens_per_cpu_s")) for s in names]))
        L.append(row("onnxruntime-node", str(t),
                     *[fmt(o(s, t, "tokens_per_cpu_s")) for s in names]))
        if wasm[t]:
            L.append(row("brass WebAssembly (node)", str(t), "-",
                         fmt(wasm[t]["tokens_per_cpu_s"]), "-"))
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
