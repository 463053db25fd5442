// ui-drop.js — turns what the user gives (a drop of files and folders, the files picker, the folder
// picker) into [{path, file}] with paths relative to what was dropped ("notes/a.md"), which is the
// shape the engine's `index` op takes. Folders are walked recursively; hidden files and folders
// (".git", ".DS_Store") and node_modules are skipped. Also wires the page-wide drop target.

const SKIP_DIRS = new Set(['node_modules', '__pycache__']);

function skipName(name) {
  return name.startsWith('.') || SKIP_DIRS.has(name);
}

function skipPath(path) {
  return path.split('/').some((p) => p && skipName(p));
}

// <input type=file> (plain or webkitdirectory): webkitRelativePath is "folder/sub/a.md" for a
// folder pick and "" for a files pick.
export function filesFromInput(input) {
  const out = [];
  for (const file of input.files || []) {
    const path = file.webkitRelativePath || file.name;
    if (!skipPath(path)) out.push({ path, file });
  }
  return out;
}

// FileSystemEntry API (webkitGetAsEntry): readEntries returns batches until an empty one.
function readAllEntries(dir) {
  const reader = dir.createReader();
  const all = [];
  return new Promise((resolve, reject) => {
    const step = () =>
      reader.readEntries((batch) => {
        if (!batch.length) return resolve(all);
        all.push(...batch);
        step();
      }, reject);
    step();
  });
}

async function walkEntry(entry, prefix, out) {
  if (skipName(entry.name)) return;
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise((res, rej) => entry.file(res, rej));
    out.push({ path, file });
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries(entry)) await walkEntry(child, path, out);
  }
}

// File System Access API handles (getAsFileSystemHandle), used where entries are unavailable.
async function walkHandle(handle, prefix, out) {
  if (skipName(handle.name)) return;
  const path = prefix ? `${prefix}/${handle.name}` : handle.name;
  if (handle.kind === 'file') {
    out.push({ path, file: await handle.getFile() });
  } else if (handle.kind === 'directory') {
    for await (const child of handle.values()) await walkHandle(child, path, out);
  }
}

// Must be called synchronously inside the drop handler: DataTransferItems are only readable until
// the handler returns, so every entry/handle is taken first and walked afterwards.
export function filesFromDrop(dataTransfer) {
  const jobs = [];
  const items = dataTransfer.items ? [...dataTransfer.items] : [];
  for (const item of items) {
    if (item.kind !== 'file') continue;
    // take everything now: after the handler returns the items are no longer readable
    const entry = item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    const handle = !entry && item.getAsFileSystemHandle ? item.getAsFileSystemHandle() : null;
    const file = item.getAsFile();
    jobs.push(async (out) => {
      if (entry) return walkEntry(entry, '', out);
      const h = handle ? await handle.catch(() => null) : null;
      if (h) return walkHandle(h, '', out);
      if (file) out.push({ path: file.name, file });
    });
  }
  if (!items.length && dataTransfer.files) {
    for (const file of dataTransfer.files) jobs.push(async (out) => out.push({ path: file.name, file }));
  }
  return (async () => {
    const out = [];
    for (const job of jobs) await job(out);
    return out.filter((x) => !skipPath(x.path));
  })();
}

// Makes the whole page a drop target; `overlay` is shown while files are dragged over the window.
export function wireDrop(target, overlay, onFiles) {
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && [...(e.dataTransfer.types || [])].includes('Files');
  target.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    overlay.hidden = false;
  });
  target.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('dragleave', (e) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  });
  target.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    onFiles(filesFromDrop(e.dataTransfer));
  });
}
