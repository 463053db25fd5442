#!/usr/bin/python3
# hnsw_peers.py - the peers of bench_hnsw: hnswlib and FAISS (IndexHNSWFlat) on the same vectors,
# with the same parameters (M = 16, efConstruction = 200, inner product on normalised vectors),
# build time at each thread count, single-thread search QPS and recall@10 over an efSearch sweep,
# memory (resident set growth). Reads DIR/{meta.json,base.f32,queries.f32,gt.i32} written by
# bench_hnsw and writes DIR/hnswlib.json and DIR/faiss.json.
# Needs Debian's python3-hnswlib and python3-faiss; run with /usr/bin/python3:
#   /usr/bin/python3 bench/hnsw_peers.py --dir DIR [--threads 1,2] [--peers hnswlib,faiss]
import argparse
import json
import os
import time

import numpy as np

EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
TARGETS = [0.90, 0.95, 0.99]


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def recall(found, gt):
    k = gt.shape[1]
    return sum(len(set(found[i][:k]) & set(gt[i])) for i in range(len(gt))) / (len(gt) * k)


def sweep(name, search, set_ef, queries, gt):
    """Times single-thread batch searches of all queries per ef (repeated to >= 0.5 s)."""
    print("%6s %8s %10s %10s %10s" % ("ef", "recall", "QPS", "cpu QPS", "us/query"))
    rows = []
    for ef in EFS:
        set_ef(ef)
        found = search(queries)  # warm-up, and the answers scored
        done, t0, c0 = 0, time.perf_counter(), time.thread_time()
        while done == 0 or time.perf_counter() - t0 < 0.5:
            search(queries)
            done += len(queries)
        qps = done / (time.perf_counter() - t0)
        cpu_qps = done / (time.thread_time() - c0)
        r = recall(found, gt)
        print("%6d %8.4f %10.0f %10.0f %10.1f" % (ef, r, qps, cpu_qps, 1e6 / qps))
        rows.append({"ef": ef, "recall": round(r, 4), "qps": round(qps, 1),
                     "cpu_qps": round(cpu_qps, 1)})
    for t in TARGETS:
        hit = next((row for row in rows if row["recall"] >= t), None)
        if hit:
            print("%s recall %.2f: first at ef %d, %.0f cpu QPS"
                  % (name, t, hit["ef"], hit["cpu_qps"]))
        else:
            print("%s recall %.2f: not reached" % (name, t))
    return rows


def run_hnswlib(base, queries, gt, threads):
    import hnswlib

    out = {"library": "hnswlib", "build": []}
    index = None
    for t in threads:
        del index
        r0 = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        index = hnswlib.Index(space="ip", dim=base.shape[1])
        index.init_index(max_elements=len(base), M=16, ef_construction=200, random_seed=42)
        index.set_num_threads(t)
        index.add_items(base, np.arange(len(base)))
        dt, ct = time.perf_counter() - t0, time.process_time() - c0
        mem = rss_mb() - r0
        print("hnswlib build %d thread%s: %.1f s wall, %.1f s cpu (%.0f inserts/s), rss +%.1f MB"
              % (t, "s" if t > 1 else "", dt, ct, len(base) / dt, mem))
        out["build"].append({"threads": t, "seconds": round(dt, 3), "cpu_seconds": round(ct, 3),
                             "rss_mb": round(mem, 1)})
    index.set_num_threads(1)
    out["search"] = sweep("hnswlib", lambda q: index.knn_query(q, k=10)[0], index.set_ef,
                          queries, gt)
    return out


def run_faiss(base, queries, gt, threads):
    import faiss

    out = {"library": "faiss " + faiss.__version__, "build": []}
    index = None
    for t in threads:
        del index
        faiss.omp_set_num_threads(t)
        r0 = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        index = faiss.IndexHNSWFlat(base.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
        index.add(base)
        dt, ct = time.perf_counter() - t0, time.process_time() - c0
        mem = rss_mb() - r0
        print("faiss build %d thread%s: %.1f s wall, %.1f s cpu (%.0f inserts/s), rss +%.1f MB"
              % (t, "s" if t > 1 else "", dt, ct, len(base) / dt, mem))
        out["build"].append({"threads": t, "seconds": round(dt, 3), "cpu_seconds": round(ct, 3),
                             "rss_mb": round(mem, 1)})
    faiss.omp_set_num_threads(1)

    def set_ef(ef):
        index.hnsw.efSearch = ef

    out["search"] = sweep("faiss", lambda q: index.search(q, 10)[1], set_ef, queries, gt)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="bench-hnsw-data")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--peers", default="hnswlib,faiss")
    a = ap.parse_args()
    with open(os.path.join(a.dir, "meta.json")) as f:
        meta = json.load(f)
    dim, k = meta["dim"], meta["k"]
    base = np.fromfile(os.path.join(a.dir, "base.f32"), dtype="<f4").reshape(-1, dim)
    queries = np.fromfile(os.path.join(a.dir, "queries.f32"), dtype="<f4").reshape(-1, dim)
    gt = np.fromfile(os.path.join(a.dir, "gt.i32"), dtype="<i4").reshape(-1, k)
    threads = [int(t) for t in a.threads.split(",")]
    print("peers: %d x %d, %d queries" % (len(base), dim, len(queries)))
    for peer in a.peers.split(","):
        result = {"hnswlib": run_hnswlib, "faiss": run_faiss}[peer](base, queries, gt, threads)
        result.update({"n": len(base), "dim": dim})
        with open(os.path.join(a.dir, peer + ".json"), "w") as f:
            json.dump(result, f)
            f.write("\n")


if __name__ == "__main__":
    main()
