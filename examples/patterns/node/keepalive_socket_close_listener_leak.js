// A listener leak on long-lived emitters in node (written in session 23 as a held-out check, never
// tuned on): the backend-for-frontend of a mobile app, calling the pricing API through an HTTP agent
// that keeps 8 sockets alive for the whole run (keep-alive was turned on last quarter to save TLS
// handshakes). Each upstream call subscribes a 'close' listener on the socket it is given, so that a
// connection dropped mid-call rejects the call instead of leaving it hanging; the listener closes over
// the call's context, the parsed upstream response included. The code was written when the agent
// closed its socket after every call, which removed the listeners with it; with keep-alive the sockets
// never close, and nothing removes the listener when the call completes (the sockets' listener limit
// was raised with setMaxListeners(0) to silence the MaxListenersExceededWarning). 120 calls a second.
// Truth: a leak, linear from the start: every call leaves its listener, its closure and its context on
// one of the 8 sockets: the raw upstream body (a flat one-byte string of ~950 characters), its parsed
// offers (an array of 6 objects of 7 fields, their strings) and the call's record: ~2.7 kB of live V8
// objects each, ~325 kB/s, ~5 MB over a 16 s run, on a V8 heap of ~3 MB at start. The objects live in
// V8's heap, in its own mappings, not malloc: only RSS shows the growth, and RSS moves by megabytes as
// V8 grows its spaces ahead of its collections and gives some back after them.
// Measured (session 23): with --expose-gc and process.memoryUsage() after a full collection every 0.5 s
// (a preloaded script): heapUsed 3.01 MB at 0.5 s, 3.73 at 3 s, 5.67 at 9 s, 6.98 at 13 s, 7.78 at
// 15.5 s (+325 kB/s over 3-13 s, +324 over 2-9 s, +325 over 9-15.5 s), RSS 42.1 -> 53.0 MB; under
// tests/accuracy/measure.py --plain, RSS 41.9 MB at 0.4 s, 48.6 at 3 s, 54.5 at 16 s (+365 kB/s over
// 3-13 s, +409 over 2-9 s, +286 over 9-16 s, with falls of 1.7 MB at 6.8 s and 2.2 MB at 11.6 s);
// tracked, RSS +536 kB/s over 3-13 s while malloc's live heap stays at 2.6 MB; 1,920 calls, 1,920 close
// listeners on 8 sockets at exit.
// Usage: node keepalive_socket_close_listener_leak.js SECONDS
'use strict';
const EventEmitter = require('events');
const pacing = require('./pacing');

// A pooled keep-alive socket, as the agent hands it out: it outlives every call made on it.
class PooledSocket extends EventEmitter {
  constructor(id) {
    super();
    this.id = id;
    this.calls = 0;
    this.setMaxListeners(0);  // raised to silence MaxListenersExceededWarning
  }
}

class Agent {
  constructor(size) {
    this.sockets = Array.from({ length: size }, (_, k) => new PooledSocket(k));
    this.next = 0;
  }
  acquire() { return this.sockets[this.next++ % this.sockets.length]; }
}

function splitmix(n) {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

// The pricing API's answer for a cart: a JSON body with six offers.
function upstreamBody(n) {
  const offers = [];
  for (let k = 0; k < 6; ++k) {
    const h = splitmix(n * 6 + k);
    offers.push({ sku: 'SKU-' + (h % 900000).toString().padStart(6, '0'), price: (h % 50000) / 100,
                  currency: 'EUR', promo: 'PROMO-' + (h >>> 12).toString(36), channel: 'app',
                  validUntil: '2026-12-31T23:59:59Z', rule: 'tier-' + (h % 7) + '/bundle-' + (h % 13) });
  }
  return JSON.stringify({ cart: 'c_' + n.toString(36), region: 'eu-west', offers });
}

const agent = new Agent(8);
let completed = 0, failed = 0, priced = 0;

function callPricing(n) {
  const socket = agent.acquire();
  const call = { id: n, startedAt: Date.now(), socket: socket.id, body: null, offers: null, done: false };
  // The bug: subscribed on a socket that outlives the call, and never removed when the call completes.
  socket.on('close', () => {
    if (!call.done) { call.done = true; failed += 1; }
  });
  socket.calls += 1;
  call.body = upstreamBody(n);
  call.offers = JSON.parse(call.body).offers;
  call.done = true;
  completed += 1;
  priced += call.offers.length;
}

// 50 ticks a second, 2-3 calls each (120 a second).
pacing.every(0.02, pacing.runSeconds(16), (i) => {
  const calls = i % 5 < 2 ? 3 : 2;
  for (let k = 0; k < calls; ++k) callPricing(i * 3 + k);
}, () => {
  const listeners = agent.sockets.reduce((sum, s) => sum + s.listenerCount('close'), 0);
  console.error(`${completed} calls, ${failed} failed, ${priced} offers, ` +
                `${listeners} close listeners on ${agent.sockets.length} sockets`);
});
