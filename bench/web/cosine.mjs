// cosine.mjs - the cosine of two equally long vectors, for the browser bench's checks; shared by
// the ONNX Runtime Web worker (served at /bench/) and run_web_bench.mjs (node).
export function cosine(a, b) {
  let d = 0, x = 0, y = 0;
  for (let j = 0; j < a.length; j++) {
    d += a[j] * b[j];
    x += a[j] * a[j];
    y += b[j] * b[j];
  }
  return d / Math.sqrt(x * y);
}
