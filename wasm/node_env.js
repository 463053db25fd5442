// node_env.js - prepended to the node builds (CLI and tests): copies the host's environment into
// the program's, so BRASS_THREADS, BRASS_KERNEL, BRASS_MODEL, BRASS_SRC and BRASS_TEST_QUICK work
// under node as they do natively (Emscripten otherwise gives programs a fixed, made-up environment).
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  // ENV exists only in programs that call getenv (Emscripten drops unused library code)
  if (typeof ENV === 'object' && typeof process === 'object' && process.env) {
    Object.assign(ENV, process.env);
  }
});
