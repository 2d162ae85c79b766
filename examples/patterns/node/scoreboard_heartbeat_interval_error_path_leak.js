// A leak through node's timers on an error path (written in session 33, batch 12, as a held-out check,
// never tuned on): the WebSocket gateway of a live sports-scores app. 50 clients connect a second and
// stay 1-4 s (phones opening the app, glancing, closing it: ~125 connected at a time); each connection
// gets a 16 KiB receive buffer (Buffer.allocUnsafe: an ArrayBuffer outside V8's heap, from malloc),
// its session (the client's followed teams and match subscriptions, ~2 kB of strings) and a
// setInterval heartbeat that pings it every second. Match events are fanned out to the connections
// subscribed to them, 20 a second. A clean close ('close': the client said goodbye) clears the
// heartbeat; a reset (an 'error', ECONNRESET: the phone lost its network, ~15% of closes) is handled by
// destroying the connection and dropping it from the registry, but not clearing its heartbeat, so the
// interval keeps firing for good (it sees conn.destroyed and sends nothing) and its closure keeps the
// connection, its buffer and its session alive. No listener or map holds them: node's timer list does.
// Truth: a leak, linear from the start: ~6.5 armed heartbeats a second, each keeping ~20 kB (the 16 KiB
// buffer outside V8's heap; the connection, its session and the Timeout in V8's heap), ~144 kB/s,
// ~2.3 MB over a 16 s run beside a ~55 MB process. The growth is read in what survives a full
// collection (heapUsed + arrayBuffers): this program prints it at exit when run with --expose-gc
// ("held growth ... B/s", from 4 s, once the connections in progress have levelled off, to the end),
// and the armed heartbeats of reset connections in any case.
// Measured (session 33): with --expose-gc, held 5.96 MB at 4.1 s, 7.68 MB at 16.1 s, held growth
// 143-148 kB/s in three runs (96-97 resets of 800 connections); with a preloaded script making a full
// collection every 0.5 s, heapUsed + arrayBuffers +160 kB/s over 4-16 s, +123 over 9-16 s (arrayBuffers
// ~2/3 of it); under tests/accuracy/measure.py --plain, RSS 51.0 MB at 3 s, 57.0 at 9 s, 59.5 at 16 s
// (+0.77 MB/s over 3-13 s as V8 grows its spaces, +0.06 over 9-16 s); tracked, RSS 60.7 -> 69.2 MB
// (+0.70 MB/s over 3-13 s, +0.20 over 9-16 s), malloc's live heap 4.6 MB at 3 s, then between 5.3 and
// 10.5 MB (the buffers of closed connections wait for V8's major collections to be freed); 1% of a core.
// The manifest allows an undecided verdict: RSS's second half is nearly flat and the malloc heap
// swings by more than the leak adds in 16 s.
// Usage: node scoreboard_heartbeat_interval_error_path_leak.js SECONDS
'use strict';
const EventEmitter = require('events');
const pacing = require('./pacing');

const RECEIVE_BUFFER = 16 * 1024;

// A small seeded PRNG (mulberry32), so every run does the same work.
let seed = 20261211;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const TEAMS = [];
for (let t = 0; t < 400; ++t) TEAMS.push(`team-${t}-${'FC United Athletic'.slice(0, 6 + t % 12)}`);

class Connection extends EventEmitter {
  constructor(id, now) {
    super();
    this.id = id;
    this.receive = Buffer.allocUnsafe(RECEIVE_BUFFER);
    this.receive.fill(id & 0xff);
    const follows = [];
    for (let k = 0; k < 12; ++k) follows.push(TEAMS[Math.floor(random() * TEAMS.length)]);
    this.session = {
      user: `u_${(id * 2654435761 >>> 0).toString(36)}`,
      device: `iPhone15,${id % 5}; iOS 17.${id % 6}; scores-app/8.${id % 30}.0; locale=en_GB; tz=Europe/London`,
      follows,
      matches: follows.map((team, k) => `match:${team}:2026-12-${10 + k % 18}:${'x'.repeat(60 + (id + k) % 40)}`),
    };
    this.sent = 0;
    this.pings = 0;
    this.destroyed = false;
    this.closesAt = now + 1 + 3 * random();
    this.resets = random() < 0.15;
  }
  send(frame) {
    if (this.destroyed) return;
    this.sent += frame.length;
  }
  destroy() {
    this.destroyed = true;
  }
}

const registry = new Map();  // id -> connection
let opened = 0, closedClean = 0, reset = 0, leakedHeartbeats = 0;

function open(now) {
  const conn = new Connection(++opened, now);
  registry.set(conn.id, conn);
  const heartbeat = setInterval(() => {
    if (conn.destroyed) return;
    conn.pings++;
    conn.send(`{"type":"ping","t":${Date.now()}}`);
  }, 1000);
  conn.on('close', () => {
    clearInterval(heartbeat);
    registry.delete(conn.id);
    closedClean++;
  });
  conn.on('error', (err) => {
    // The reset path: log, destroy, forget. The heartbeat is never cleared.
    if (err.code !== 'ECONNRESET') console.error(`connection ${conn.id}: ${err.message}`);
    conn.destroy();
    registry.delete(conn.id);
    reset++;
    leakedHeartbeats++;
  });
}

function closeDue(now) {
  for (const conn of registry.values()) {
    if (conn.closesAt > now) continue;
    if (conn.resets) {
      const err = new Error('read ECONNRESET');
      err.code = 'ECONNRESET';
      conn.emit('error', err);
    } else {
      conn.emit('close');
    }
  }
}

let events = 0;
function matchEvent(i) {
  const team = TEAMS[Math.floor(random() * TEAMS.length)];
  const frame = JSON.stringify({ type: 'goal', team, minute: i % 90, score: [i % 4, (i >> 2) % 3], id: ++events });
  for (const conn of registry.values()) {
    if (conn.session.follows.includes(team)) conn.send(frame);
  }
}

// What survives a full collection (only with --expose-gc): V8 frees a dead ArrayBuffer's memory after
// its sweep, so the figure is read after a second collection 100 ms after the first.
function measureHeld(then) {
  global.gc();
  setTimeout(() => {
    global.gc();
    const m = process.memoryUsage();
    then(m.heapUsed + m.arrayBuffers, (Date.now() - started) / 1000);
  }, 100);
}

const started = Date.now();
let heldAt4s = -1, heldT0 = 0, measuring = false;
// 100 ticks a second: a connection every second tick, a match event every fifth.
pacing.every(0.01, pacing.runSeconds(16), (i, t) => {
  if (!measuring && t >= 4 && typeof global.gc === 'function') {
    measuring = true;
    measureHeld((bytes, at) => { heldAt4s = bytes; heldT0 = at; });
  }
  if (i % 2 === 0) open(t);
  if (i % 5 === 0) matchEvent(i);
  closeDue(t);
}, () => {
  const line = `${opened} connections, ${closedClean} closed, ${reset} reset, ${registry.size} open, ` +
               `${leakedHeartbeats} heartbeats of reset connections still armed`;
  if (heldAt4s < 0) {
    console.log(line);
    process.exit(0);  // the shutdown: the armed heartbeats would keep the event loop alive for ever
  }
  measureHeld((end, at) => {
    console.log(`${line}; held ${heldAt4s} B at ${heldT0.toFixed(1)} s, ${end} B at ${at.toFixed(1)} s, ` +
                `held growth ${((end - heldAt4s) / (at - heldT0)).toFixed(0)} B/s`);
    process.exit(0);
  });
});
