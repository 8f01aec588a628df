// ferry in a browser: the page around the WebAssembly build of the ferry
// package (wasm/main.go), which sets globalThis.ferry.
'use strict';

const $ = (id) => document.getElementById(id);

// The rendezvous server is this page's own origin (and path, for a server
// mounted under a prefix); the client appends the websocket endpoint.
const server = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
  location.pathname.replace(/[^/]*$/, '');

let busy = false;
let handle = null;
let chosen = [];
let choice = null; // {save(), decline()} while an offer waits for the user
let receiving = null; // the receive in progress: {open, current, blobs, kind}

function human(n) {
  if (n < 1024) return n + ' B';
  const units = 'KMGTPE';
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return n.toFixed(1) + ' ' + units[i] + 'iB';
}

function codeFromHash() {
  try {
    return decodeURIComponent(location.hash.slice(1)).trim();
  } catch {
    return '';
  }
}

function setBusy(b) {
  busy = b;
  $('receive').disabled = b || !globalThis.ferry;
  $('send').disabled = b || !globalThis.ferry || chosen.length === 0;
  $('files').disabled = b;
  $('folder').disabled = b;
  $('code').disabled = b;
  $('cancel').hidden = !b;
}

function resetStatus(state) {
  $('status').hidden = false;
  $('state').textContent = state;
  $('code-box').hidden = true;
  $('offer').textContent = '';
  $('bar').value = 0;
  $('numbers').textContent = '';
  $('route').textContent = '';
  // The files held in memory since the last transfer go with their Save
  // links: the page keeps nothing a link no longer offers.
  document.querySelectorAll('#results a.save').forEach((a) => URL.revokeObjectURL(a.href));
  $('results').replaceChildren();
  $('accept-box').hidden = true;
  delete $('state').dataset.done;
  delete $('error').dataset.kind;
  document.querySelectorAll('iframe.download').forEach((f) => f.remove());
  $('error').hidden = true;
  $('error').textContent = '';
}

// rate keeps the transfer rate over the last few seconds.
function newRate() {
  const samples = [];
  return (done) => {
    const now = performance.now();
    samples.push([now, done]);
    while (samples.length > 2 && now - samples[0][0] > 3000) samples.shift();
    const [t0, d0] = samples[0];
    return now > t0 ? (done - d0) * 1000 / (now - t0) : 0;
  };
}

// onEvent shows one event of a transfer; side is "receive" or "send".
function eventHandler(side, received) {
  const rate = newRate();
  return (ev) => {
    switch (ev.type) {
      case 'code': {
        $('code-box').hidden = false;
        $('code-out').textContent = ev.code;
        $('code-cmd').textContent = 'ferry receive --server ' + location.origin + ' ' + ev.code;
        const link = location.origin + location.pathname + '#' + ev.code;
        $('code-link').href = link;
        $('code-link').textContent = link;
        $('state').textContent = 'Waiting for the receiver…';
        break;
      }
      case 'waiting':
        $('state').textContent = 'No sender under this code yet: waiting…';
        break;
      case 'offer': {
        const n = ev.entries.length;
        const what = n === 1 ? ev.entries[0].path : n + ' entries';
        $('offer').textContent = (side === 'receive' ? 'Offered: ' : 'Offering: ') + what + ' (' + human(ev.total) + ')';
        break;
      }
      case 'connected':
        $('state').textContent = side === 'receive' ? 'Receiving…' : 'Sending…';
        $('route').textContent = ev.route === 'direct' ? 'Connected directly' : 'Connected via relay';
        $('route').dataset.route = ev.route;
        $('route').title = ev.local + ' ↔ ' + ev.remote;
        break;
      case 'progress': {
        const total = ev.total > 0 ? ev.total : ev.done;
        const r = rate(ev.done);
        $('bar').max = total || 1;
        $('bar').value = ev.done;
        let text = human(ev.done) + ' of ' + human(total) + ' · ' + human(r) + '/s';
        if (r > 0 && ev.done < total) text += ' · ' + eta((total - ev.done) / r) + ' left';
        $('numbers').textContent = text;
        break;
      }
      case 'file':
        // The client closed the file (the page's sink) before this event,
        // once its SHA-256 matched: it is in place.
        addResult(side, ev, received);
        break;
      case 'text': {
        const li = document.createElement('li');
        li.textContent = ev.text;
        $('results').append(li);
        break;
      }
      case 'done':
        $('state').textContent = 'Done: ' + ev.files + (ev.files === 1 ? ' file, ' : ' files, ') + human(ev.bytes) +
          ' in ' + ev.seconds.toFixed(1) + ' s';
        $('state').dataset.done = '1';
        finish();
        break;
      case 'error':
        if (received && received.current) received.current.abort(ev.message);
        failed(ev.message, ev.kind);
        break;
    }
  };
}

// eta writes s seconds as "42 s", "3 min 5 s" or "2 h 10 min".
function eta(s) {
  s = Math.ceil(s);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

function failed(message, kind) {
  $('state').textContent = 'Failed';
  $('accept-box').hidden = true;
  $('error').hidden = false;
  $('error').textContent = message;
  $('error').dataset.kind = kind;
  finish();
}

function addResult(side, ev, received) {
  const li = document.createElement('li');
  const name = document.createElement('strong');
  name.textContent = ev.path;
  li.append(name, ' (' + human(ev.size) + ')');
  const blob = side === 'receive' && received.blobs.get(ev.path);
  if (blob) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = received.many ? sinks.flat(ev.path) : ev.path.split('/').pop();
    a.textContent = 'Save';
    a.className = 'save';
    li.append(' ', a);
  } else if (side === 'receive' && received.kind) {
    li.append(received.kind === 'download' ? ' downloaded' : ' saved');
  }
  const sha = document.createElement('div');
  sha.className = 'sha small';
  sha.textContent = 'SHA-256 ' + ev.sha256;
  sha.dataset.sha256 = ev.sha256;
  li.append(sha);
  $('results').append(li);
}

function finish() {
  handle = null;
  receiving = null;
  setBusy(false);
}

function receive(e) {
  e.preventDefault();
  const code = $('code').value.trim();
  if (!code || busy) return;
  resetStatus('Connecting…');
  setBusy(true);
  const received = { open: null, current: null, blobs: new Map(), kind: '', many: false };
  receiving = received;
  handle = globalThis.ferry.receive({
    server, code,
    event: eventHandler('receive', received),
    accept: (offer) => askToSave(offer, received),
    openEntry: async (path, size) => {
      if (!received.open) throw new Error('nothing was accepted');
      received.current = await received.open(path, size);
      received.kind = received.current.kind;
      return received.current;
    },
  });
}

// askToSave shows the offer with "Save to disk…" and "Decline", and
// resolves (accepts) once the user chose where the files go: the click is
// the gesture that the file and folder pickers and a download need. It sets
// received.open(path, size), which opens each file's sink as it begins.
function askToSave(offer, received) {
  const files = offer.entries.filter((e) => !e.dir);
  if (offer.entries.length === 1 && offer.entries[0].text) return Promise.resolve(); // shown, not saved
  const many = offer.entries.length > 1 || files.length !== 1;
  received.many = many;
  const tooBig = sinks.tooBig(many ? sinks.kindMany() : sinks.kind(), offer.total);
  if (tooBig) return Promise.reject(tooBig); // as the command when the files do not fit on its disk
  $('state').textContent = many ? 'Accept these ' + files.length + ' files?' : 'Accept this file?';
  $('accept-box').hidden = false;
  $('save-how').textContent = many ? {
    folder: 'You choose a folder; the files are written under it with their paths.',
    download: 'Each file downloads as it arrives, into your downloads, its path as its name (a/b.txt as a_b.txt).',
    memory: 'This page holds them in memory until you save them: on a plain-http address the browser gives it no way to write to disk as they arrive.',
  }[sinks.kindMany()] : {
    picker: 'You choose where it goes.',
    download: 'It downloads as it arrives, into your downloads.',
    memory: 'This page holds it in memory until you save it: on a plain-http address the browser gives it no way to write to disk as it arrives.',
  }[sinks.kind()];
  const inMemory = (path, blob) => received.blobs.set(path, blob);
  return new Promise((resolve, reject) => {
    const done = () => { $('accept-box').hidden = true; choice = null; };
    choice = {};
    choice.save = async () => {
      try {
        if (many) {
          const open = await sinks.openMany(inMemory);
          if (open.check) await open.check(files.map((e) => e.path)); // nothing in the way
          received.open = open;
        } else {
          const e = files[0];
          let sink = await sinks.open(e.path.split('/').pop(), e.size, (blob) => inMemory(e.path, blob));
          received.open = async () => {
            if (!sink) throw new Error('the sender offered one file');
            const s = sink;
            sink = null;
            return s;
          };
        }
        done();
        $('state').textContent = 'Receiving…';
        resolve();
      } catch (err) {
        if (err && err.name === 'AbortError') return; // the picker was closed: ask again
        done();
        if (err && err.name === 'ExistsError') reject(err); // as the command says
        else reject(new Error('this page cannot save the files: ' + err));
      }
    };
    choice.decline = () => {
      done();
      reject(new Error('you declined ' + (many ? files.length + ' files' : files[0].path)));
    };
  });
}

function send() {
  if (busy || chosen.length === 0) return;
  resetStatus('Connecting…');
  setBusy(true);
  handle = globalThis.ferry.send({
    server, code: '', event: eventHandler('send'),
    files: chosen.map((c) => c.file), paths: chosen.map((c) => c.path),
  });
}

// choose takes [{file, path}]: path is where it lands under the
// receiver's directory (a folder's files keep their relative paths).
function choose(list) {
  chosen = list;
  let text = 'Choose files or a folder, or drop them here';
  if (chosen.length === 1) text = chosen[0].path + ' (' + human(chosen[0].file.size) + ')';
  if (chosen.length > 1) {
    text = chosen.length + ' files (' + human(chosen.reduce((n, c) => n + c.file.size, 0)) + '): ' +
      chosen.slice(0, 3).map((c) => c.path).join(', ') + (chosen.length > 3 ? ', …' : '');
  }
  $('drop-text').textContent = text;
  setBusy(busy);
}

function fromInput(input) {
  return Array.from(input.files || [], (f) => ({ file: f, path: f.webkitRelativePath || f.name }));
}

// dropped reads what was dropped, folders included (their files under
// their relative paths).
async function dropped(dt) {
  const entries = Array.from(dt.items || [], (i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
  if (entries.length === 0) return Array.from(dt.files, (f) => ({ file: f, path: f.name }));
  const out = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((res, rej) => entry.file(res, rej));
      out.push({ file, path: prefix + entry.name });
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, prefix + entry.name + '/');
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

function wire() {
  $('code').value = codeFromHash();
  window.addEventListener('hashchange', () => { if (!busy) $('code').value = codeFromHash(); });
  $('receive-form').addEventListener('submit', receive);
  $('send').addEventListener('click', send);
  $('files').addEventListener('change', () => choose(fromInput($('files'))));
  $('folder').addEventListener('change', () => choose(fromInput($('folder'))));
  // Cancel at an offer declines it (the sender is told, as when the
  // command's prompt is answered no); later, it ends the client's work and
  // unblocks a write waiting for room in a stalled download.
  $('cancel').addEventListener('click', () => {
    if (choice) {
      choice.decline();
      return;
    }
    if (handle) handle.cancel();
    if (receiving && receiving.current) receiving.current.abort('cancelled');
  });
  $('save').addEventListener('click', () => { if (choice) choice.save(); });
  $('decline').addEventListener('click', () => { if (choice) choice.decline(); });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (!busy) dropped(e.dataTransfer).then(choose, (err) => failed('ferry: reading what was dropped: ' + err, 'other'));
  });
  setBusy(false);
}

async function start() {
  wire();
  try {
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch('ferry.wasm'), go.importObject);
    go.run(instance); // sets globalThis.ferry, then serves calls
    globalThis.ferryMemory = instance.exports.mem; // its size, for the tests
    await sinks.register();
    $('loading').textContent = '';
    $('version').textContent = 'ferry ' + globalThis.ferry.version;
    document.body.dataset.ready = '1';
  } catch (err) {
    $('loading').textContent = 'This browser could not load ferry: ' + err;
  }
  setBusy(false);
}

start();
