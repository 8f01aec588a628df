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
  $('results').replaceChildren();
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
        if (side === 'receive' && n === 1) received.name = ev.entries[0].path;
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
        $('bar').max = total || 1;
        $('bar').value = ev.done;
        $('numbers').textContent = human(ev.done) + ' of ' + human(total) + ' · ' + human(rate(ev.done)) + '/s';
        break;
      }
      case 'file':
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
        $('state').textContent = 'Failed';
        $('error').hidden = false;
        $('error').textContent = ev.message;
        $('error').dataset.kind = ev.kind;
        finish();
        break;
    }
  };
}

function addResult(side, ev, received) {
  const li = document.createElement('li');
  const name = document.createElement('strong');
  name.textContent = ev.path;
  li.append(name, ' (' + human(ev.size) + ')');
  if (side === 'receive') {
    const blob = new Blob(received.chunks, { type: 'application/octet-stream' });
    received.chunks = [];
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = ev.path.split('/').pop();
    a.textContent = 'Save';
    a.className = 'save';
    li.append(' ', a);
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
  setBusy(false);
}

function receive(e) {
  e.preventDefault();
  const code = $('code').value.trim();
  if (!code || busy) return;
  resetStatus('Connecting…');
  setBusy(true);
  const received = { name: '', chunks: [] };
  handle = globalThis.ferry.receive({
    server, code,
    event: eventHandler('receive', received),
    // Phase 1 keeps the file in memory; a WritableStream's write (which
    // returns a Promise) can take the chunks here instead.
    data: (bytes) => { received.chunks.push(bytes); },
  });
}

function send() {
  if (busy || chosen.length === 0) return;
  resetStatus('Connecting…');
  setBusy(true);
  handle = globalThis.ferry.send({ server, code: '', files: chosen, event: eventHandler('send') });
}

function choose(list) {
  chosen = Array.from(list || []);
  $('drop-text').textContent = chosen.length === 0 ? 'Choose files, or drop them here'
    : chosen.map((f) => f.name + ' (' + human(f.size) + ')').join(', ');
  setBusy(busy);
}

function wire() {
  $('code').value = codeFromHash();
  window.addEventListener('hashchange', () => { if (!busy) $('code').value = codeFromHash(); });
  $('receive-form').addEventListener('submit', receive);
  $('send').addEventListener('click', send);
  $('files').addEventListener('change', () => choose($('files').files));
  $('cancel').addEventListener('click', () => { if (handle) handle.cancel(); });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (!busy) choose(e.dataTransfer.files);
  });
  setBusy(false);
}

async function start() {
  wire();
  try {
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch('ferry.wasm'), go.importObject);
    go.run(instance); // sets globalThis.ferry, then serves calls
    $('loading').textContent = '';
    $('version').textContent = 'ferry ' + globalThis.ferry.version;
    document.body.dataset.ready = '1';
  } catch (err) {
    $('loading').textContent = 'This browser could not load ferry: ' + err;
  }
  setBusy(false);
}

start();
