// opfs_vfs.js - the JavaScript half of the OPFS SQLite VFS (wasm/opfs_vfs.c), linked with
// --js-library into the browser builds. The engine worker pre-opens FileSystemSyncAccessHandles
// (asynchronous) and hands them over as Module.opfsHandles = {"/opfs/library.db": handle, ...};
// these functions then do the synchronous I/O on the thread that runs SQLite (the worker's own).
// Offsets and sizes travel as doubles (exact up to 2^53). Write results: 0 ok, 1 quota exceeded,
// 2 other error. File sizes are cached per handle: SQLite asks for them at every transaction
// (xFileSize, xAccess) and getSize() is a round trip to the browser in some profiles (0.3 ms each in
// headless Chromium, 22 of them per search), while only these functions change the files (a sync
// access handle is exclusive). xOpen drops the cached size (the worker truncates files between
// opens when it clears the library); a failed write or truncate drops it too.
mergeInto(LibraryManager.library, {
  $OPFS: {
    slots: [],
    names: {},
    sizes: [], // slot -> cached size in bytes, undefined when not known
    copy: false, // set when the handle refuses views on shared memory: go through a copy
    status: function (e) {
      return e && e.name === 'QuotaExceededError' ? 1 : 2;
    },
  },
  opfs_js_slot__deps: ['$OPFS'],
  opfs_js_slot: function (namePtr) {
    var name = UTF8ToString(namePtr);
    var handles = Module['opfsHandles'];
    var h = handles && handles[name];
    if (!h) return -1;
    if (OPFS.names[name] !== undefined && OPFS.slots[OPFS.names[name]] === h) return OPFS.names[name];
    OPFS.slots.push(h);
    OPFS.names[name] = OPFS.slots.length - 1;
    return OPFS.names[name];
  },
  opfs_js_forget__deps: ['$OPFS'],
  opfs_js_forget: function (slot) {
    OPFS.sizes[slot] = undefined;
  },
  opfs_js_size__deps: ['$OPFS'],
  opfs_js_size: function (slot) {
    if (OPFS.sizes[slot] !== undefined) return OPFS.sizes[slot];
    try {
      return (OPFS.sizes[slot] = OPFS.slots[slot].getSize());
    } catch (e) {
      return -1;
    }
  },
  opfs_js_read__deps: ['$OPFS'],
  opfs_js_read: function (slot, ptr, n, offset) {
    ptr >>>= 0;
    var h = OPFS.slots[slot];
    try {
      if (!OPFS.copy) {
        try {
          return h.read(HEAPU8.subarray(ptr, ptr + n), { at: offset });
        } catch (e) {
          if (!(e instanceof TypeError)) throw e;
          OPFS.copy = true;
        }
      }
      var tmp = new Uint8Array(n);
      var got = h.read(tmp, { at: offset });
      HEAPU8.set(tmp.subarray(0, got), ptr);
      return got;
    } catch (e) {
      return -1;
    }
  },
  opfs_js_write__deps: ['$OPFS'],
  opfs_js_write: function (slot, ptr, n, offset) {
    ptr >>>= 0;
    var h = OPFS.slots[slot];
    try {
      var done;
      if (!OPFS.copy) {
        try {
          done = h.write(HEAPU8.subarray(ptr, ptr + n), { at: offset });
        } catch (e) {
          if (!(e instanceof TypeError)) throw e;
          OPFS.copy = true;
        }
      }
      if (OPFS.copy) done = h.write(HEAPU8.slice(ptr, ptr + n), { at: offset });
      if (done !== n) {
        OPFS.sizes[slot] = undefined;
        return 1; // a short write means the quota ran out
      }
      if (OPFS.sizes[slot] !== undefined && offset + n > OPFS.sizes[slot]) OPFS.sizes[slot] = offset + n;
      return 0;
    } catch (e) {
      OPFS.sizes[slot] = undefined;
      return OPFS.status(e);
    }
  },
  opfs_js_truncate__deps: ['$OPFS'],
  opfs_js_truncate: function (slot, size) {
    try {
      OPFS.slots[slot].truncate(size);
      OPFS.sizes[slot] = size;
      return 0;
    } catch (e) {
      OPFS.sizes[slot] = undefined;
      return OPFS.status(e);
    }
  },
  opfs_js_flush__deps: ['$OPFS'],
  opfs_js_flush: function (slot) {
    try {
      OPFS.slots[slot].flush();
      return 0;
    } catch (e) {
      return 2;
    }
  },
});
