// A listener leak in node (written in session 6 as a held-out check, never tuned on): a web service
// has one EventEmitter for configuration changes, with the listener limit lifted
// (setMaxListeners(0), which silences the MaxListenersExceededWarning that would have told). Each
// request subscribes a callback to 'change' that closes over its request context (a ~5,000-character
// rendered header block) to refresh it on a config change, and never removes it when the request
// ends. 200 requests a second. The contexts live in V8's heap, in its own mappings, not malloc: only
// RSS shows the growth.
// Truth: a leak, linear. Each request keeps a flat 5,000-character one-byte string (~5,016 bytes on
// V8's heap), its closure and context object and its slot in the listener array: ~5.1 kB, so
// ~1,020,000 B/s of live objects (~14 MB over 14 s on a ~45 MB process; measured with
// process.memoryUsage().heapUsed: ~1.1 MB/s). RSS rises faster and in steps, as V8 grows its heap
// ahead of its collections.
// Usage: node listener_leak.js SECONDS
'use strict';
const EventEmitter = require('events');
const pacing = require('./pacing');

const config = new EventEmitter();
config.setMaxListeners(0);
let served = 0;

function handleRequest(n) {
  // A fresh flat string per request (join flattens it; repeat() would share pieces).
  const headers = new Array(250).fill('x-req-' + String(n).padStart(13, '0') + ':').join('');
  const context = { id: n, headers, refreshed: 0 };
  config.on('change', () => { context.refreshed += 1; });  // the bug: never config.off(...)
  served += context.headers.length;
}

// 50 ticks a second, 4 requests each; a config change every 2 s.
pacing.every(0.02, pacing.runSeconds(14), (i) => {
  for (let k = 0; k < 4; ++k) handleRequest(i * 4 + k);
  if (i % 100 === 99) config.emit('change');
}, () => console.log(config.listenerCount('change') + ' listeners, ' + served + ' bytes'));
