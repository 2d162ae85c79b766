// RSS growth in a JavaScript engine's heap (failure class 3): a node service keeps every session in a
// Map and never expires them: 500 sessions a second, each an object with a ~1,000-character string.
// V8 keeps its heap in its own mappings (not malloc), so only RSS shows the growth.
// Truth: a leak, linear: ~1,165 bytes of live objects per session (measured with --expose-gc and
// process.memoryUsage().heapUsed), so ~580,000 B/s held. RSS rises faster and in steps, because V8
// grows its heap ahead of its collections: a leak either way. An honest "undecided" is right too for a
// 16 s run: over that time its RSS has the same shape as request_cache_flat.js, a bounded cache (both
// climb ~15 MB with at most one full collection giving memory back; over 45 s the bounded one climbed
// 10 -> 47 MB without one). Only lows that rise across several collections tell the leak apart.
// Usage: node session_map_leak.js SECONDS
'use strict';
const pacing = require('./pacing');

const sessions = new Map();

function openSession(n) {
  // A fresh flat string of 1,001 characters per session (join flattens it; repeat() would share pieces).
  const payload = new Array(91).fill(String(n).padStart(10, '0') + ':').join('');
  sessions.set(n, { id: n, user: 'user-' + n, payload, opened: Date.now() });
}

// 50 ticks a second, 10 sessions each.
pacing.every(0.02, pacing.runSeconds(16), (i) => {
  for (let k = 0; k < 10; ++k) openSession(i * 10 + k);
}, () => console.log(sessions.size + ' sessions'));
