// hnswlib_native.cc - the strict HNSW peer: hnswlib (Debian's libhnswlib-dev header, 0.6.x)
// compiled here with -O3 -march=native, so its inner product uses the widest SIMD this machine has
// (AVX-512 where present), unlike Debian's python3-hnswlib build (SSE only). It reads the files
// bench_hnsw writes (DIR/meta.json, base.f32, queries.f32, gt.i32) and writes
// DIR/hnswlib-native.json in the shape of hnsw_peers.py's results, which `hnsw_peers.py --report`
// tabulates: build at each thread count (inserts spread over std::threads, as hnswlib's Python
// binding does), then single-thread QPS and recall@10 over the efSearch sweep, each ef repeated
// >= 3 passes and >= --min-time seconds (mean rates, and best_cpu_qps from the fastest pass).
// Inner product space on the normalised vectors, M 16, efConstruction 200. hnswlib has no int8
// space: this peer is float32 only.
//   hnswlib_native --dir DIR [--threads 1,2] [--ef 10,16,...] [--min-time 0.5] [--stop-recall R]
//                  [--index FILE]
// --index FILE loads a saved index instead of building (or builds and saves it there if missing).
#include <hnswlib/hnswlib.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifndef HNSWLIB_VERSION_TEXT /* the build passes the Debian package version */
#define HNSWLIB_VERSION_TEXT "(Debian header)"
#endif

static double clock_s(clockid_t id) {
  timespec t;
  clock_gettime(id, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static long rss_kb() {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * 4;
}

template <typename T>
static std::vector<T> read_all(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<T> out(bytes.size() / sizeof(T));
  memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

static int json_int(const std::string &s, const char *key) {
  size_t at = s.find(std::string("\"") + key + "\"");
  return at == std::string::npos ? -1 : atoi(s.c_str() + s.find(':', at) + 1);
}

static std::vector<int> parse_list(const char *s) {
  std::vector<int> v;
  for (const char *p = s; p && *p;) {
    v.push_back(atoi(p));
    p = strchr(p, ',');
    if (p) p++;
  }
  return v;
}

int main(int argc, char **argv) {
  std::string dir = ".", index_file;
  std::vector<int> threads = {1, 2}, efs = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512};
  double min_time = 0.5, stop_recall = 2.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
    else if (!strcmp(argv[i], "--threads"))
      threads = parse_list(argv[i + 1]);
    else if (!strcmp(argv[i], "--ef"))
      efs = parse_list(argv[i + 1]);
    else if (!strcmp(argv[i], "--index"))
      index_file = argv[i + 1];
    else if (!strcmp(argv[i], "--min-time"))
      min_time = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--stop-recall"))
      stop_recall = atof(argv[i + 1]);
    else {
      fprintf(stderr, "hnswlib_native: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  std::ifstream mf(dir + "/meta.json");
  std::stringstream ms;
  ms << mf.rdbuf();
  int dim = json_int(ms.str(), "dim"), k = json_int(ms.str(), "k");
  std::vector<float> base = read_all<float>(dir + "/base.f32"),
                     q = read_all<float>(dir + "/queries.f32");
  std::vector<int32_t> gt = read_all<int32_t>(dir + "/gt.i32");
  if (dim <= 0 || k <= 0 || base.empty() || q.empty() || gt.empty()) {
    fprintf(stderr, "hnswlib_native: cannot read the data in %s (run bench_hnsw first)\n",
            dir.c_str());
    return 1;
  }
  size_t n = base.size() / dim, nq = q.size() / dim;
  hnswlib::InnerProductSpace space(dim);
  std::string js = "{\"library\": \"hnswlib-native " HNSWLIB_VERSION_TEXT "\", \"build\": [";
  hnswlib::HierarchicalNSW<float> *index = nullptr;
  char buf[512];
  if (!index_file.empty() && std::ifstream(index_file).good()) {
    index = new hnswlib::HierarchicalNSW<float>(&space, index_file);  // saved by an earlier run
    printf("index loaded from %s (no build)\n", index_file.c_str());
    threads.clear();
  }
  for (size_t t = 0; t < threads.size(); t++) {
    delete index;
    long r0 = rss_kb();
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    index = new hnswlib::HierarchicalNSW<float>(&space, n, 16, 200, 42);
    index->addPoint(base.data(), 0);  // the first point alone, as the Python binding does
    std::vector<std::thread> pool;
    int nt = threads[t];
    for (int w = 0; w < nt; w++)
      pool.emplace_back([&, w]() {
        for (size_t i = 1 + w; i < n; i += nt) index->addPoint(base.data() + i * dim, i);
      });
    for (auto &th : pool) th.join();
    double dt = clock_s(CLOCK_MONOTONIC) - t0, ct = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double mem = (rss_kb() - r0) / 1e3;
    printf(
        "hnswlib-native build %d thread%s: %.1f s wall, %.1f s cpu (%.0f inserts/s), rss +%.1f "
        "MB\n",
        nt, nt > 1 ? "s" : "", dt, ct, n / dt, mem);
    snprintf(buf, sizeof buf,
             "%s{\"threads\": %d, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"rss_mb\": %.1f}",
             t ? ", " : "", nt, dt, ct, mem);
    js += buf;
  }
  std::string tmp = index_file.empty() ? dir + "/hnswlib-native.bin" : index_file;
  if (!threads.empty()) index->saveIndex(tmp);
  std::ifstream sf(tmp, std::ios::binary | std::ios::ate);
  double serialized_mb = sf.tellg() / 1e6;
  if (index_file.empty()) remove(tmp.c_str());
  js += "], \"search\": [";
  printf("%6s %8s %10s %10s %10s\n", "ef", "recall", "QPS", "cpu QPS", "us/query");
  for (size_t e = 0; e < efs.size(); e++) {
    index->setEf(efs[e]);
    size_t hits = 0, done = 0;
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), best = 1e30;
    do {
      double p0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
      for (size_t i = 0; i < nq; i++) {
        auto res = index->searchKnn(q.data() + i * dim, k);
        if (done >= nq) continue;
        for (; !res.empty(); res.pop())
          for (int b = 0; b < k; b++) hits += (int32_t)res.top().second == gt[i * k + b];
      }
      done += nq;
      best = std::min(best, clock_s(CLOCK_THREAD_CPUTIME_ID) - p0);
    } while (clock_s(CLOCK_MONOTONIC) - t0 < min_time || done < 3 * nq);
    double recall = (double)hits / (nq * k), qps = done / (clock_s(CLOCK_MONOTONIC) - t0);
    double cpu_qps = done / (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0);
    printf("%6d %8.4f %10.0f %10.0f %10.1f\n", efs[e], recall, qps, cpu_qps, 1e6 / qps);
    snprintf(buf, sizeof buf,
             "%s{\"ef\": %d, \"recall\": %.4f, \"qps\": %.1f, \"cpu_qps\": %.1f, \"best_cpu_qps\": "
             "%.1f}",
             e ? ", " : "", efs[e], recall, qps, cpu_qps, nq / best);
    js += buf;
    if (recall >= stop_recall) break;
  }
  snprintf(buf, sizeof buf, "], \"serialized_mb\": %.1f, \"n\": %zu, \"dim\": %d}\n", serialized_mb,
           n, dim);
  js += buf;
  delete index;
  FILE *out = fopen((dir + "/hnswlib-native.json").c_str(), "w");
  if (!out || fputs(js.c_str(), out) < 0) return 1;
  fclose(out);
  return 0;
}
