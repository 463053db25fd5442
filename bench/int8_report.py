#!/usr/bin/python3
"""int8_report.py - the markdown table of bench/bench_int8.sh: tokens/s and tokens per CPU-second
of brass f32, brass int8, ONNX Runtime f32 and ONNX Runtime int8 at 1 and 2 threads on short,
real and fixed 128-token texts, the ratios the int8 goals name, peak RSS, load time, bench_qgemm.

  /usr/bin/python3 bench/int8_report.py build/bench
"""
import json
import os
import sys

SETS = (("short", "short texts"), ("real", "real texts"), ("fixed128", "fixed 128"))


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    res = os.path.join(sys.argv[1], "results-int8")
    names = [s for s, _ in SETS]
    B = {(d, s, t): load(os.path.join(res, "brass-%s-%s-t%d.json" % (d, s, t)))
         for d in ("f32", "int8") for s in names for t in (1, 2)}
    O = {(d, t): load(os.path.join(res, "ort-%s-t%d.json" % (d, t)))
         for d in ("f32", "int8") for t in (1, 2)}

    def b(d, s, t, key):
        r = B[(d, s, t)]
        return r[key] if r else None

    def o(d, s, t, key):
        r = O[(d, t)]
        return r["results"][s][key] if r and s in r["results"] else None

    def fmt(x):
        return "-" if x is None else "%.0f" % x

    def ratio(x, y):
        return "-" if not x or not y else "%.2fx" % (x / y)

    def row(*c):
        return "| " + " | ".join(c) + " |"

    load_start = open(os.path.join(res, "loadavg-start.txt")).read().split()[:3] \
        if os.path.exists(os.path.join(res, "loadavg-start.txt")) else ["?"]
    kernel = next((r["kernel"] for r in B.values() if r), "?")
    L = ["### int8 inference: brass vs ONNX Runtime int8 (all-MiniLM-L6-v2 shape)", "",
         "Load average at start %s (shared machine: compare ratios of one run). ORT int8: "
         "bench/quantize_onnx.py (quantize_dynamic(QInt8)'s graph). Each cell: tokens/s wall / "
         "tokens per CPU-second." % " ".join(load_start), ""]
    L.append(row("engine", "threads", *[h for _, h in SETS], "peak RSS", "load s"))
    L.append(row("---", *["---:"] * (len(SETS) + 3)))
    for t in (1, 2):
        for d in ("f32", "int8"):
            peak = max(filter(None, [b(d, s, t, "peak_rss_kb") for s in names]), default=None)
            L.append(row("brass %s (%s)" % (d, kernel), str(t),
                         *["%s / %s" % (fmt(b(d, s, t, "tokens_per_s")),
                                        fmt(b(d, s, t, "tokens_per_cpu_s"))) for s in names],
                         fmt(peak / 1024 if peak else None) + " MB",
                         "%.2f" % b(d, "real", t, "load_seconds") if B[(d, "real", t)] else "-"))
        for d in ("f32", "int8"):
            r = O[(d, t)]
            L.append(row("onnxruntime-node %s" % d, str(t),
                         *["%s / %s" % (fmt(o(d, s, t, "tokens_per_s")),
                                        fmt(o(d, s, t, "tokens_per_cpu_s"))) for s in names],
                         fmt(r["peak_rss_kb"] / 1024 if r else None) + " MB",
                         "%.2f" % r["load_seconds"] if r else "-"))
    for key, what in (("tokens_per_s", "wall"), ("tokens_per_cpu_s", "CPU")):
        for t in (1, 2):
            L.append(row("**brass int8 / ORT int8** (%s)" % what, str(t),
                         *[ratio(b("int8", s, t, key), o("int8", s, t, key)) for s in names], "", ""))
        for t in (1, 2):
            L.append(row("brass int8 / brass f32 (%s)" % what, str(t),
                         *[ratio(b("int8", s, t, key), b("f32", s, t, key)) for s in names], "", ""))
        for t in (1, 2):
            L.append(row("ORT int8 / ORT f32 (%s)" % what, str(t),
                         *[ratio(o("int8", s, t, key), o("f32", s, t, key)) for s in names], "", ""))
    q = O[("int8", 1)]
    if q and isinstance(q.get("check_max_diff"), dict):
        c = q["check_max_diff"]
        L += ["", "ORT int8 vectors against the float64 reference before timing: cosine mean %.6f, "
              "min %.6f." % (c["cosine_mean"], c["cosine_min"])]
    f1, i1 = B[("f32", "real", 1)], B[("int8", "real", 1)]
    if f1 and i1:
        L += ["Peak RSS, brass int8 / f32 (real texts, 1 thread): %s." %
              ratio(i1["peak_rss_kb"], f1["peak_rss_kb"])]
    qg = os.path.join(res, "qgemm.txt")
    if os.path.exists(qg):
        L += ["", "bench_qgemm (integer peak, int8 GEMM on the model's shapes, m = 512):", "",
              "```", open(qg).read().rstrip(), "```"]
    print("\n".join(L))


if __name__ == "__main__":
    main()
