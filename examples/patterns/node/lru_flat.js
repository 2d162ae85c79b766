// A bounded cache in node: a Map used as an LRU (insertion order; the oldest key is deleted when the
// Map holds 5000 entries). 1000 inserts a second of ~500-character strings: full after 5 s (~3 MB of
// live objects), then every insert evicts one. V8 collects the evicted entries on its own schedule,
// so RSS wobbles around a level after the fill.
// Truth: warm-up, then stable: not a leak. The V8 heap may still be sizing itself during a short run,
// so an honest "undecided" is acceptable.
// Usage: node lru_flat.js SECONDS
'use strict';
const pacing = require('./pacing');

const capacity = 5000;
const cache = new Map();

function put(k) {
  cache.delete(k);
  cache.set(k, new Array(50).fill(String(k).padStart(9, '0') + ':').join(''));
  if (cache.size > capacity) cache.delete(cache.keys().next().value);
}

// 100 ticks a second, 10 inserts each.
pacing.every(0.01, pacing.runSeconds(16), (i) => {
  for (let k = 0; k < 10; ++k) put(i * 10 + k);
}, () => console.log(cache.size + ' entries'));
