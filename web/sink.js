// Where a received file goes, chosen when the user clicks "Save to disk…"
// (a user gesture, which the file picker and a download need). Each sink
// is {kind, write(Uint8Array) -> Promise, close() -> Promise, abort(reason)};
// write's Promise resolves once the sink has room for more, and the
// WebAssembly client waits for it before reading on.
//
//   - "picker": the File System Access API (showSaveFilePicker), where the
//     browser has it: the file is written where the user chose, through a
//     FileSystemWritableFileStream (kept in a temporary file until close).
//   - "download": a download that this page's Service Worker (sw.js)
//     answers with a ReadableStream, fed over a MessageChannel with a
//     window of unacknowledged bytes; the browser writes it to disk.
//   - "folder": for an offer of several files or a tree, a directory the
//     user chose (showDirectoryPicker), each file written under its path.
//     Without that API, several files are one download each, named by their
//     flattened path (flat), or held in memory.
//   - "memory": a Blob in memory, then a Save link, for a page without
//     either (a plain-http origin other than localhost is not a secure
//     context: it gets neither API); at most memoryLimit bytes in all.
'use strict';

const sinks = (() => {
  // windowBytes is how many bytes may be posted to the Service Worker that the
  // download has not taken yet.
  const windowBytes = 4 << 20;
  let worker = null; // the active Service Worker, once registered

  async function register() {
    if (!globalThis.isSecureContext || !('serviceWorker' in navigator)) return;
    try {
      await navigator.serviceWorker.register('sw.js');
      const reg = await navigator.serviceWorker.ready;
      worker = reg.active;
    } catch (err) {
      console.warn('ferry: no Service Worker, files are received in memory:', String(err));
    }
  }

  function randomID() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  function download(name, size) {
    const id = randomID();
    const ch = new MessageChannel();
    let inflight = 0;
    let waiters = [];
    let failed = null;
    const wake = () => { const w = waiters; waiters = []; w.forEach((f) => f()); };
    let started = false;
    ch.port1.onmessage = (e) => {
      const m = e.data;
      if (m.started) started = true;
      if (m.ack) inflight -= m.ack;
      if (m.cancelled) failed = new Error('the download was cancelled (' + m.cancelled + ')');
      wake();
    };
    worker.postMessage({ type: 'download', id, name, size, port: ch.port2 }, [ch.port2]);
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.className = 'download';
    frame.src = 'dl/' + id;
    document.body.append(frame);
    // A Service Worker with no event for a while is stopped, and with it
    // the stream: a message every few seconds keeps it up.
    const ping = setInterval(() => worker.postMessage({ type: 'ping' }), 5000);
    // Should the worker not answer the download (it was stopped, or a
    // browser setting blocks it), fail rather than wait for ever.
    setTimeout(() => {
      if (!started && !failed) failed = new Error('the browser did not start the download');
      wake();
    }, 20000);
    return {
      kind: 'download',
      async write(bytes) {
        if (failed) throw failed;
        inflight += bytes.byteLength;
        ch.port1.postMessage({ chunk: bytes.buffer }, [bytes.buffer]);
        while (inflight > windowBytes && !failed) await new Promise((r) => waiters.push(r));
        if (failed) throw failed;
      },
      // close resolves once the download started and its stream took every
      // byte (sw.js): a download that never started, or was cancelled,
      // fails the file rather than the page showing it as saved.
      async close() {
        ch.port1.postMessage({ end: true });
        while ((!started || inflight > 0) && !failed) await new Promise((r) => waiters.push(r));
        clearInterval(ping);
        if (failed) throw failed;
      },
      abort(reason) {
        clearInterval(ping);
        ch.port1.postMessage({ abort: String(reason) });
        failed = failed || new Error(String(reason));
        wake(); // a write waiting for room ends
      },
    };
  }

  // folder returns an opener for the files of a tree, under the directory
  // the user chose with showDirectoryPicker (asked from a click's handler).
  // Each file is written through a FileSystemWritableFileStream, which
  // keeps it in a temporary file until close (once its SHA-256 matched).
  // Opening a file creates it empty under its name, so a file that fails is
  // removed again: abort leaves nothing. A file that is already there is
  // not replaced: the opener's check(paths), called before the offer is
  // accepted, fails with an ExistsError naming those in the way, and
  // nothing is written (as `ferry receive` without --overwrite).
  async function folder() {
    const root = await globalThis.showDirectoryPicker({ mode: 'readwrite' });
    const open = async (path) => {
      const parts = path.split('/');
      let dir = root;
      for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
      const name = parts[parts.length - 1];
      if (await inTheWay(root, path)) throw existsError([path], false); // put there since check
      const handle = await dir.getFileHandle(name, { create: true });
      const remove = () => dir.removeEntry(name).catch(() => {});
      let w;
      try {
        w = await handle.createWritable();
      } catch (err) {
        await remove();
        throw err;
      }
      let state = 'open'; // then 'closing', 'closed' or 'aborted'
      let aborted = null;
      return {
        kind: 'folder',
        write: (bytes) => w.write(bytes),
        async close() {
          state = 'closing';
          try {
            await w.close();
          } catch (err) {
            state = 'aborted';
            await remove();
            throw err;
          }
          state = 'closed';
        },
        // abort discards the temporary file and removes the name opening
        // created; once close began, close decides (a verified file stays).
        abort(reason) {
          if (state !== 'open') return aborted;
          state = 'aborted';
          aborted = w.abort(String(reason)).catch(() => {}).then(remove);
          return aborted;
        },
      };
    };
    open.check = async (paths) => {
      const found = [];
      for (const p of paths) if (await inTheWay(root, p)) found.push(p);
      if (found.length > 0) throw existsError(found, true);
    };
    return open;
  }

  // inTheWay reports whether something under root stands where the file
  // path would go: a file or a directory of its name, or a file where one
  // of its directories would be.
  async function inTheWay(root, path) {
    const parts = path.split('/');
    let dir = root;
    try {
      for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p);
    } catch (err) {
      return err.name === 'TypeMismatchError'; // a file; NotFoundError: nothing there
    }
    try {
      await dir.getFileHandle(parts[parts.length - 1]);
      return true;
    } catch (err) {
      return err.name === 'TypeMismatchError'; // a directory
    }
  }

  // existsError is the error for the files in the way, in the words of
  // `ferry receive` (the client adds "would overwrite existing files: ");
  // nothing says that no file was written yet.
  function existsError(paths, nothing) {
    let list = paths.slice(0, 5).map((p) => JSON.stringify(p)).join(', ');
    if (paths.length > 5) list += ' and ' + (paths.length - 5) + ' more';
    const what = paths.length === 1 ? '1 file already exists' : paths.length + ' files already exist';
    const err = new Error(what + ' in the chosen folder: ' + list + (nothing ? '; nothing was written' : '') +
      ': move ' + (paths.length === 1 ? 'it' : 'them') + ' away, or choose another folder');
    err.name = 'ExistsError';
    return err;
  }

  async function picker(name) {
    const handle = await globalThis.showSaveFilePicker({ suggestedName: name });
    const w = await handle.createWritable();
    return {
      kind: 'picker',
      write: (bytes) => w.write(bytes),
      close: () => w.close(),
      abort: (reason) => { w.abort(reason).catch(() => {}); },
    };
  }

  // memory holds the file in memory, until close gives it to done as a
  // Blob. budget ({held}) counts the bytes the receive holds in memory,
  // every file of it together: past api.memoryLimit, write fails with a
  // QuotaExceededError (the client's "not enough free space") rather than
  // the tab running out of memory.
  function memory(name, done, budget) {
    let chunks = [];
    let held = 0;
    return {
      kind: 'memory',
      write(bytes) {
        if (budget.held + bytes.byteLength > api.memoryLimit) throw memoryError(budget.held + bytes.byteLength);
        chunks.push(bytes);
        held += bytes.byteLength;
        budget.held += bytes.byteLength;
      },
      async close() { done(new Blob(chunks, { type: 'application/octet-stream' }), name); chunks = []; },
      abort() {
        chunks = [];
        budget.held -= held;
        held = 0;
      },
    };
  }

  // memoryError says that n bytes are more than the page holds in memory
  // (human is app.js's).
  function memoryError(n) {
    return new DOMException('this page can hold at most ' + human(api.memoryLimit) + ' in memory, and ' +
      human(n) + ' would not fit: on a plain-http address the browser gives it no way to write to disk as files ' +
      'arrive; receive with ferry receive, or open the page over https', 'QuotaExceededError');
  }

  // tooBig is the error for an offer of total bytes that the page would
  // hold in memory (kind "memory") and that do not fit, or null.
  const tooBig = (kind, total) => (kind === 'memory' && total > api.memoryLimit ? memoryError(total) : null);

  // open returns a sink for the file name of size bytes; it must be called
  // from a click's handler. inMemory(blob, name) gets the file of a memory
  // sink once it is complete.
  async function open(name, size, inMemory) {
    if (typeof globalThis.showSaveFilePicker === 'function') return picker(name);
    if (worker) return download(name, size);
    return memory(name, inMemory, { held: 0 });
  }

  // flat is a tree's path as one download's name: "dir/sub/a.txt" is
  // "dir_sub_a.txt" (a download has no folders; Chromium would write "/"
  // as "_" too, and the browser renames a download rather than replace a
  // file, so two paths that flatten alike both land).
  const flat = (path) => path.split('/').join('_');

  // openMany returns an opener (path, size) -> sink for the files of an
  // offer of several, from a click's handler: a folder the user chooses,
  // else one download per file, else memory. inMemory(path, blob) gets each
  // in-memory file once complete.
  async function openMany(inMemory) {
    if (typeof globalThis.showDirectoryPicker === 'function') return folder();
    if (worker) return async (path, size) => download(flat(path), size);
    const budget = { held: 0 };
    return async (path) => memory(flat(path), (blob) => inMemory(path, blob), budget);
  }

  const kindMany = () => (typeof globalThis.showDirectoryPicker === 'function' ? 'folder' : worker ? 'download' : 'memory');

  const api = {
    register, open, openMany, kindMany, flat, tooBig,
    kind: () => (typeof globalThis.showSaveFilePicker === 'function' ? 'picker' : worker ? 'download' : 'memory'),
    // memoryLimit is the most a receive holds in memory (all its files).
    memoryLimit: 512 << 20,
  };
  return api;
})();
