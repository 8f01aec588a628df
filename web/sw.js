// ferry's Service Worker: it answers the page's download of a received file
// (dl/ID) with a ReadableStream fed over a MessageChannel from the page
// (sink.js), so that the browser writes the file to disk as it arrives. It
// acknowledges bytes once the download took them (the stream's queue is
// below its high-water mark), which is the page's backpressure. Every other
// request goes to the network untouched.
'use strict';

const pending = new Map(); // id -> {name, size, port}, until its request comes
const waiting = new Map(); // id -> resolve, for a request that came before its message

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('message', (e) => {
  const m = e.data;
  if (m && m.type === 'download' && /^[0-9a-f]{32}$/.test(m.id)) {
    pending.set(m.id, m);
    const w = waiting.get(m.id);
    if (w) w();
  }
  // {type: 'ping'} only keeps this worker running during a download.
});

// The page posts the download's message, then opens dl/ID; the two reach
// this worker on different queues, so the request may come first: it waits
// for its message a while.
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  const m = url.pathname.match(/\/dl\/([0-9a-f]{32})$/);
  if (url.origin !== self.location.origin || !m) return;
  e.respondWith(answer(m[1]));
});

async function answer(id) {
  if (!pending.has(id)) {
    await new Promise((resolve) => {
      waiting.set(id, resolve);
      setTimeout(resolve, 10000);
    });
    waiting.delete(id);
  }
  const d = pending.get(id);
  if (!d) return new Response('no such download', { status: 404 });
  pending.delete(id);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': "attachment; filename*=UTF-8''" + encodeURIComponent(d.name),
    'X-Content-Type-Options': 'nosniff',
  };
  if (d.size >= 0) headers['Content-Length'] = String(d.size);
  return new Response(stream(d.port), { headers });
}

function stream(port) {
  let ctl;
  let unacked = 0;
  const ack = () => {
    if (unacked > 0 && ctl.desiredSize > 0) {
      port.postMessage({ ack: unacked });
      unacked = 0;
    }
  };
  return new ReadableStream({
    start(c) {
      ctl = c;
      port.postMessage({ started: true });
      port.onmessage = (e) => {
        const m = e.data;
        if (m.chunk) {
          ctl.enqueue(new Uint8Array(m.chunk));
          unacked += m.chunk.byteLength;
          ack();
        } else if (m.end) {
          // The stream's queue (at most its high-water mark) drains into
          // the download after close, with no pull to acknowledge it: what
          // it holds is acknowledged now, so that the page's close ends.
          if (unacked > 0) port.postMessage({ ack: unacked });
          unacked = 0;
          ctl.close();
          port.close();
        } else if (m.abort) {
          ctl.error(new Error(m.abort));
          port.close();
        }
      };
    },
    pull() { ack(); },
    cancel(reason) {
      port.postMessage({ cancelled: String(reason || 'by the user') });
      port.close();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: 1 << 20 }));
}
