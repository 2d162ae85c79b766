// A bounded cache in node: a Map used as an LRU (insertion order; the oldest key is deleted when the
// Map holds 5000 entries). 1000 inserts a second of ~500-character strings: full after 5 s (~3 MB of
// live objects), then every insert evicts one. V8 collects the evicted entries on its own schedule,
// so RSS wobbles around a level after the fill.
// Truth: warm-up, then stable: not a leak. The V8 heap may still be sizing itself during a short run,
// so an honest "undecided" is acceptable.
// Usage: node lru_flat.js SECONDS
'use strict';
const seconds = Number(process.argv[2] || 16);
const capacity = 5000;
const cache = new Map();
const start = Date.now();
let key = 0;

function put(k) {
  cache.delete(k);
  cache.set(k, new Array(50).fill(String(k).padStart(9, '0') + ':').join(''));
  if (cache.size > capacity) cache.delete(cache.keys().next().value);
}

function tick() {
  for (let i = 0; i < 10; ++i) put(key++);
  const elapsed = (Date.now() - start) / 1000;
  if (elapsed >= seconds) {
    console.log(cache.size + ' entries');
    return;
  }
  const next = start + (Math.floor(elapsed * 100) + 1) * 10;  // paced by the wall clock: 100 ticks a second
  setTimeout(tick, Math.max(0, next - Date.now()));
}
tick();
