// Wall-clock pacing for the node pattern programs (the twin of ../pacing.hpp): work is tied to time,
// not to CPU speed, so each program's growth rate holds on any machine.
'use strict';

/** Seconds the program runs: argv[2], or `fallback`. */
exports.runSeconds = (fallback) => Number(process.argv[2] || fallback);

/** Calls tick(i, t) every periodS seconds (t = seconds since start) until `seconds` have passed, then done(). */
exports.every = (periodS, seconds, tick, done) => {
  const start = Date.now();
  let i = 0;
  const step = () => {
    const elapsed = (Date.now() - start) / 1000;
    if (elapsed >= seconds) return done();
    tick(i++, elapsed);
    setTimeout(step, Math.max(0, start + i * periodS * 1000 - Date.now()));
  };
  step();
};
