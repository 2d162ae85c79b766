// Wall-clock pacing for the node pattern programs (the twin of ../pacing.hpp): work is tied to time,
// not to CPU speed, so each program's growth rate holds on any machine.
'use strict';

/** Seconds the program runs: argv[2], or `fallback`. */
exports.runSeconds = (fallback) => Number(process.argv[2] || fallback);

/** A tick this late means the machine did not give the program the CPU its pacing needs (../pacing.hpp). */
const LATE_TICK_S = 0.25;

/** Calls tick(i, t) every periodS seconds (t = seconds since start) until `seconds` have passed, then done().
 * A late tick runs at once (the work is caught up, not skipped); lateness is reported on stderr at the end,
 * in the line the test harnesses look for. */
exports.every = (periodS, seconds, tick, done) => {
  const start = Date.now();
  let i = 0, lateTicks = 0, worstLateS = 0;
  const step = () => {
    const now = Date.now();
    const elapsed = (now - start) / 1000;
    if (elapsed >= seconds) {
      if (lateTicks > 0) {
        process.stderr.write(`pacing lost: ${lateTicks} of ${i} ticks started more than ${LATE_TICK_S.toFixed(2)} s late ` +
                             `(the latest ${worstLateS.toFixed(2)} s late)\n`);
      }
      return done();
    }
    const lateS = elapsed - i * periodS;
    if (lateS > LATE_TICK_S) ++lateTicks;
    worstLateS = Math.max(worstLateS, lateS);
    tick(i++, elapsed);
    setTimeout(step, Math.max(0, start + i * periodS * 1000 - Date.now()));
  };
  step();
};
