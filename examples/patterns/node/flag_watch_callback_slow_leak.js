// A slow leak through a callback registry in node (written in session 20 as a held-out check, never
// tuned on): the realtime gateway of a storefront. It holds its product catalog in memory (40,000
// products, rendered for the storefront's cards: with the rest, ~44 MB of live V8 heap) and ~2,000 live
// client connections; 200 connect a second and 200 close. Every connection watches the 'checkout.v2'
// feature flag through the flag client's registry (flags.watch(name, callback) returns a handle) so
// that it can push the new checkout flow to the client when the flag flips; the callback closes over
// the connection, its session snapshot (a ~2,400-character string of the client's cart and headers)
// included. A graceful close calls flags.unwatch(handle). One close in ten comes from the idle timer,
// whose handler closes the socket and forgets the unwatch: the callback stays in the registry's Map
// and keeps the whole connection alive. The flag flips every 4 s, calling every watcher.
// Truth: a leak, linear, from the start, slow: 20 idle closes a second, each keeping its connection
// object, its snapshot (a flat one-byte string), its closure and its registry entry: ~3.1 kB of live V8
// objects each, ~63 kB/s, ~1 MB over a 16 s run, ~2.2% of the ~44 MB heap. The objects live in V8's
// heap, in its own mappings, not malloc: only RSS shows the growth, and RSS moves by megabytes as V8
// grows and shrinks its spaces around its collections, so a leak this slow cannot be told from a flat
// service by RSS in 16 s: "undecided" is honest too.
// Measured (session 20): with --expose-gc and process.memoryUsage() after a full collection every
// 0.5 s (a preloaded script): heapUsed 44.23 MB at 0.5 s, 44.75 at 10 s, 45.21 at 16 s (+67 kB/s over
// 3-13 s, +56 over 2-9 s, +78 over 9-16 s), RSS 118.3 -> 122.2 MB; under tests/accuracy/measure.py
// --no-track, RSS 120.0-120.2 MB until 8 s, 90.2 MB at 9 s (V8 gave memory back), 97.3 MB at 16 s;
// 320 idle closes, 2,320 watchers at exit (2,000 live).
// Usage: node flag_watch_callback_slow_leak.js SECONDS
'use strict';
const pacing = require('./pacing');

// The feature-flag client's registry of watchers.
class FlagClient {
  constructor() {
    this.flags = new Map([['checkout.v2', false], ['search.rerank', true]]);
    this.watchers = new Map();  // handle -> {name, callback}
    this.nextHandle = 1;
  }
  watch(name, callback) {
    const handle = this.nextHandle++;
    this.watchers.set(handle, { name, callback });
    return handle;
  }
  unwatch(handle) { this.watchers.delete(handle); }
  set(name, value) {
    this.flags.set(name, value);
    for (const { name: watched, callback } of this.watchers.values()) if (watched === name) callback(value);
  }
}

function splitmix(n) {
  // 32-bit mixing (Math.imul), enough to draw deterministic choices from a counter.
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function loadCatalog() {
  const catalog = new Map();
  for (let n = 0; n < 40000; ++n) {
    const h = splitmix(n);
    catalog.set('SKU-' + n, {
      sku: 'SKU-' + n, price: (h % 90000) / 100, stock: h % 500,
      // A fresh flat string per product (join flattens it; repeat() would share pieces).
      card: new Array(40).fill('<li>' + n.toString(36) + '</li>').join('') + ' ' + 'x'.repeat(h % 100),
    });
  }
  return catalog;
}

const catalog = loadCatalog();
const flags = new FlagClient();
const connections = new Map();
let nextConnection = 0, idleCloses = 0, pushed = 0;

function connect() {
  const id = ++nextConnection;
  const h = splitmix(id);
  const conn = {
    id, user: 'u' + (h % 1000000), openedAt: Date.now(), checkoutV2: false,
    snapshot: new Array(100).fill('cart:SKU-' + (h % 40000) + ';' + id.toString(16).padStart(8, '0') + ';').join(''),
  };
  conn.watch = flags.watch('checkout.v2', (value) => { conn.checkoutV2 = value; pushed += 1; });
  connections.set(id, conn);
}

function close(conn, byIdleTimer) {
  connections.delete(conn.id);
  if (byIdleTimer) ++idleCloses;  // the bug: this path never calls flags.unwatch(conn.watch)
  else flags.unwatch(conn.watch);
}

for (let k = 0; k < 2000; ++k) connect();
let oldest = 1;

// 50 ticks a second: 4 connects and 4 closes of the oldest connections (one close in ten by the idle
// timer); the flag flips every 4 s; each tick also serves a few catalog reads.
pacing.every(0.02, pacing.runSeconds(16), (i) => {
  for (let k = 0; k < 4; ++k) {
    connect();
    const conn = connections.get(oldest++);
    if (conn) close(conn, (i * 4 + k) % 10 === 3);
    const product = catalog.get('SKU-' + (splitmix(i * 4 + k) % 40000));
    pushed += product.card.length > 0 ? 0 : 1;
  }
  if (i % 200 === 199) flags.set('checkout.v2', !flags.flags.get('checkout.v2'));
}, () => {
  console.error(`${connections.size} live connections, ${flags.watchers.size} watchers, ${idleCloses} idle closes`);
});
