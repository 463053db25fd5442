#!/usr/bin/python3
# hnsw_peers.py - the peers of bench_hnsw: hnswlib and FAISS (IndexHNSWFlat) on the same vectors,
# with the same parameters (M = 16, efConstruction = 200, inner product on normalised vectors),
# build time at each thread count, single-thread search QPS and recall@10 over an efSearch sweep,
# memory (resident set growth of the first build, and the serialised index size). Reads
# DIR/{meta.json,base.f32,queries.f32,gt.i32} written by bench_hnsw and writes DIR/hnswlib.json
# and DIR/faiss.json. --report prints the markdown table of DIR/{brass,int8/brass,ref/brass,
# hnswlib-native,hnswlib,faiss}.json (the HNSW step of `make bench`; hnswlib-native.json comes from
# bench/hnswlib_native.cc, hnswlib compiled here with -O3 -march=native: the ratios are against it
# when present, else against Debian's python3-hnswlib). Needs Debian's python3-hnswlib and python3-faiss; a missing peer is
# skipped. Run with /usr/bin/python3:
#   /usr/bin/python3 bench/hnsw_peers.py --dir DIR [--threads 1,2] [--peers hnswlib,faiss]
#       [--ef 10,16,...] [--min-time 0.5] [--stop-recall R]
#   /usr/bin/python3 bench/hnsw_peers.py --dir DIR --report [--seconds S]
import argparse
import json
import os
import tempfile
import time

EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
TARGETS = [0.90, 0.95, 0.99]


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def recall(found, gt):
    k = gt.shape[1]
    return sum(len(set(found[i][:k]) & set(gt[i])) for i in range(len(gt))) / (len(gt) * k)


def sweep(name, search, set_ef, queries, gt, efs, min_time, stop_recall):
    """Times single-thread batch searches of all queries per ef: a warm-up pass, then at least
    2 more and at least min_time s; mean rates, and best_cpu_qps from the fastest pass."""
    print("%6s %8s %10s %10s %10s" % ("ef", "recall", "QPS", "cpu QPS", "us/query"))
    rows = []
    for ef in efs:
        set_ef(ef)
        found = search(queries)  # warm-up, and the answers scored
        done, t0, c0, best = 0, time.perf_counter(), time.thread_time(), float("inf")
        while done < 2 * len(queries) or time.perf_counter() - t0 < min_time:
            p0 = time.thread_time()
            search(queries)
            best = min(best, time.thread_time() - p0)
            done += len(queries)
        qps = done / (time.perf_counter() - t0)
        cpu_qps = done / (time.thread_time() - c0)
        r = recall(found, gt)
        print("%6d %8.4f %10.0f %10.0f %10.1f" % (ef, r, qps, cpu_qps, 1e6 / qps))
        rows.append({"ef": ef, "recall": round(r, 4), "qps": round(qps, 1),
                     "cpu_qps": round(cpu_qps, 1),
                     "best_cpu_qps": round(len(queries) / best, 1)})
        if r >= stop_recall:
            break
    for t in TARGETS:
        hit = next((row for row in rows if row["recall"] >= t), None)
        if hit:
            print("%s recall %.2f: first at ef %d, %.0f cpu QPS"
                  % (name, t, hit["ef"], hit["cpu_qps"]))
        else:
            print("%s recall %.2f: not reached" % (name, t))
    return rows


def build_entry(name, t, n, dt, ct, mem):
    print("%s build %d thread%s: %.1f s wall, %.1f s cpu (%.0f inserts/s), rss +%.1f MB"
          % (name, t, "s" if t > 1 else "", dt, ct, n / dt, mem))
    return {"threads": t, "seconds": round(dt, 3), "cpu_seconds": round(ct, 3),
            "rss_mb": round(mem, 1)}


def run_hnswlib(base, queries, gt, a):
    import hnswlib
    import numpy as np

    out = {"library": "hnswlib", "build": []}
    index = None
    for t in a.threads:
        del index
        r0 = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        index = hnswlib.Index(space="ip", dim=base.shape[1])
        index.init_index(max_elements=len(base), M=16, ef_construction=200, random_seed=42)
        index.set_num_threads(t)
        index.add_items(base, np.arange(len(base)))
        dt, ct = time.perf_counter() - t0, time.process_time() - c0
        out["build"].append(build_entry("hnswlib", t, len(base), dt, ct, rss_mb() - r0))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index.bin")
        index.save_index(path)
        out["serialized_mb"] = round(os.path.getsize(path) / 1e6, 1)
    index.set_num_threads(1)  # knn_query then loops over the queries in the calling thread
    out["search"] = sweep("hnswlib", lambda q: index.knn_query(q, k=10)[0], index.set_ef,
                          queries, gt, a.ef, a.min_time, a.stop_recall)
    return out


def run_faiss(base, queries, gt, a):
    import faiss

    out = {"library": "faiss " + faiss.__version__, "build": []}
    index = None
    for t in a.threads:
        del index
        faiss.omp_set_num_threads(t)  # IndexHNSWFlat.add runs its inserts on OpenMP threads
        r0 = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        index = faiss.IndexHNSWFlat(base.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
        index.add(base)
        dt, ct = time.perf_counter() - t0, time.process_time() - c0
        out["build"].append(build_entry("faiss", t, len(base), dt, ct, rss_mb() - r0))
    out["serialized_mb"] = round(faiss.serialize_index(index).size / 1e6, 1)
    faiss.omp_set_num_threads(1)

    def set_ef(ef):
        index.hnsw.efSearch = ef

    out["search"] = sweep("faiss", lambda q: index.search(q, 10)[1], set_ef, queries, gt,
                          a.ef, a.min_time, a.stop_recall)
    return out


# ---- --report: the markdown table ----

def first_at(result, target):
    return next((r for r in result["search"] if r["recall"] >= target), None)


def build_at(result, threads):
    return next((b for b in result["build"] if b["threads"] == threads), None)


def report(a):
    """The markdown table: one column per engine, then brass / hnswlib for each brass kernel."""
    libs = []  # (name, column title, result)
    for name, path in (("brass", "brass.json"), ("brass-int8", "int8/brass.json"),
                       ("brass-ref", "ref/brass.json"), ("hnswlib-native", "hnswlib-native.json"),
                       ("hnswlib", "hnswlib.json"), ("faiss", "faiss.json")):
        path = os.path.join(a.dir, path)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            r = json.load(f)
        if name.startswith("brass"):
            title = "brass %s (%s)" % (r.get("vectors", "f32"), r["build"][0].get("kernel", "?"))
        elif name == "hnswlib-native":
            title = "hnswlib -O3 -march=native (f32)"
        else:
            title = {"hnswlib": "hnswlib", "faiss": "FAISS"}[name]
            title += " " + r["library"].split(" ", 1)[1] if " " in r["library"] else ""
        libs.append((name, title, r))
    by = {name: r for name, _, r in libs}
    if "brass" not in by:
        print("(no HNSW results in %s)" % a.dir)
        return
    with open(os.path.join(a.dir, "meta.json")) as f:
        meta = json.load(f)
    ref = "hnswlib-native" if "hnswlib-native" in by else "hnswlib"
    ratios = [(b, t) for b, t, _ in libs if b.startswith("brass")] if ref in by else []
    peers = [t for b, t, _ in libs if not b.startswith("brass")]
    print("### HNSW: brass vs %s (%d x %d, %d queries, M 16, efConstruction 200)"
          % (" vs ".join(peers) or "(no peers installed)", meta["n"], meta["dim"], meta["nq"]))
    print()
    print("| | " + " | ".join(t for _, t, _ in libs) + " |" +
          "".join(" %s / %s |" % (t, ref) for _, t in ratios))
    print("| --- " * (len(libs) + 1 + len(ratios)) + "|")

    def row(title, cells, values=None, invert=False):
        line = "| %s | %s |" % (title, " | ".join(cells))
        for b, _ in ratios:
            v, h = (values or {}).get(b), (values or {}).get(ref)
            line += " %s |" % ("%.2f" % (v / h) if v and h else "-")
        print(line)

    for t in sorted({b["threads"] for _, _, r in libs for b in r["build"]}):
        cells, secs = [], {}
        for name, _, r in libs:
            b = build_at(r, t)
            secs[name] = b["seconds"] if b else None
            cells.append("%.1f s (cpu %.1f s)" % (b["seconds"], b["cpu_seconds"]) if b else "-")
        row("build, %d thread%s: wall (cpu)" % (t, "s" if t > 1 else ""), cells, secs)
    for target in TARGETS:
        cells, qps = [], {}
        for name, _, r in libs:
            hit = first_at(r, target)
            qps[name] = hit.get("best_cpu_qps", hit["cpu_qps"]) if hit else None
            cells.append("%.0f (ef %d, %.3f)" % (qps[name], hit["ef"], hit["recall"])
                         if hit else "not reached")
        row("QPS at recall@10 >= %.2f (first ef, its recall)" % target, cells, qps)
    row("memory: RSS growth of the first (%d-thread) build" % by["brass"]["build"][0]["threads"],
        ["%.1f MB" % r["build"][0]["rss_mb"] for _, _, r in libs])
    row("memory: serialised index", ["%.1f MB" % r["serialized_mb"] if "serialized_mb" in r
                                     else "-" for _, _, r in libs])
    row("memory: index bytes (brass's own count)",
        ["%.1f MB" % r["build"][0]["memory_mb"] if "memory_mb" in r["build"][0] else "-"
         for _, _, r in libs])
    print()
    load = []
    for when in ("start", "end"):
        path = os.path.join(a.dir, "loadavg-%s.txt" % when)
        if os.path.exists(path):
            with open(path) as f:
                load.append("%s %s" % (when, " ".join(f.read().split()[:3])))
    print("QPS: one thread, one query after another (the peers: one batch call on 1 thread, "
          "which loops over the queries in C++), in queries per thread-CPU-second of the "
          "fastest of >= 3 passes over the query set, at the first efSearch of the sweep whose recall@10 reaches the level. Build: wall seconds (process "
          "CPU seconds). X / %s: ratio of build times (below 1 = faster build) and of QPS "
          "(above 1 = faster search).%s%s Load average %s%s."
          % (ref, " brass int8: int8 vectors (integer inner products, the ef candidates re-ranked "
             "with the float query against the codes, no float32 copy in the index); hnswlib has "
             "no int8 space, its columns are float32." if "brass-int8" in by else "",
             " brass (ref) is brass with BRASS_KERNEL=ref, its portable inner product (compiled "
             "for baseline x86-64, 4-lane SSE2, like Debian's hnswlib; Debian's FAISS is its "
             "GENERIC, mostly scalar build)." if "brass-ref" in by else "",
             "; ".join(load) or "not recorded",
             "; the whole step took %.0f s" % a.seconds if a.seconds else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="bench-hnsw-data")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--peers", default="hnswlib,faiss")
    ap.add_argument("--ef", default=",".join(map(str, EFS)))
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--stop-recall", type=float, default=2.0)
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--seconds", type=float, default=0)
    a = ap.parse_args()
    if a.report:
        report(a)
        return
    peers = a.peers.split(",")
    if len(peers) > 1:  # one process per peer, so that each one's RSS growth is its own
        import subprocess
        import sys

        rc = 0
        for peer in peers:
            argv = ["--dir", a.dir, "--threads", a.threads, "--peers", peer, "--ef", a.ef,
                    "--min-time", str(a.min_time), "--stop-recall", str(a.stop_recall)]
            rc |= subprocess.call([sys.executable, os.path.abspath(__file__)] + argv)
        sys.exit(rc)
    import numpy as np

    a.threads = [int(t) for t in a.threads.split(",")]
    a.ef = [int(e) for e in a.ef.split(",")]
    with open(os.path.join(a.dir, "meta.json")) as f:
        meta = json.load(f)
    dim, k = meta["dim"], meta["k"]
    base = np.fromfile(os.path.join(a.dir, "base.f32"), dtype="<f4").reshape(-1, dim)
    queries = np.fromfile(os.path.join(a.dir, "queries.f32"), dtype="<f4").reshape(-1, dim)
    gt = np.fromfile(os.path.join(a.dir, "gt.i32"), dtype="<i4").reshape(-1, k)
    print("peers: %d x %d, %d queries" % (len(base), dim, len(queries)))
    for peer in peers:
        try:
            result = {"hnswlib": run_hnswlib, "faiss": run_faiss}[peer](base, queries, gt, a)
        except ImportError as e:
            print("%s skipped: %s (install python3-%s)" % (peer, e, peer))
            continue
        result.update({"n": len(base), "dim": dim})
        with open(os.path.join(a.dir, peer + ".json"), "w") as f:
            json.dump(result, f)
            f.write("\n")


if __name__ == "__main__":
    main()
