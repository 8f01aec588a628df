// ferry's Service Worker: it answers the page's download of a received file
// (dl/ID) with a ReadableStream fed over a MessageChannel from the page
// (sink.js), so that the browser writes the file to disk as it arrives. It
// acknowledges bytes once the download took them (the stream's queue is
// below its high-water mark), which is the page's backpressure. Every other
// request goes to the network untouched.
'use strict';

const pending = new Map(); // id -> {name, size, port}, until its request comes

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('message', (e) => {
  const m = e.data;
  if (m && m.type === 'download' && /^[0-9a-f]{32}$/.test(m.id)) pending.set(m.id, m);
  // {type: 'ping'} only keeps this worker running during a download.
});

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  const m = url.pathname.match(/\/dl\/([0-9a-f]{32})$/);
  if (url.origin !== self.location.origin || !m || !pending.has(m[1])) return;
  const d = pending.get(m[1]);
  pending.delete(m[1]);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': "attachment; filename*=UTF-8''" + encodeURIComponent(d.name),
    'X-Content-Type-Options': 'nosniff',
  };
  if (d.size >= 0) headers['Content-Length'] = String(d.size);
  e.respondWith(new Response(stream(d.port), { headers }));
});

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
