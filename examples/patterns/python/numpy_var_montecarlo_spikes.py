"""Periodic spikes of big temporary numpy arrays over a flat base (written in session 34, batch 13, as a
held-out check, never tuned on): the intraday risk service of a bank's trading floor. Its base is fixed
at start: 24 desks' sensitivities to 48 risk factors, the factors' 48 x 48 covariance and its Cholesky
factor, the desks' limits, and a 2,000-instrument price vector; 20 times a second a market data tick
updates a few hundred prices and the factor levels in place (small temporaries only). Every 3 s the
desks' value-at-risk is recomputed by Monte Carlo: 60,000 scenarios of 48 correlated factor shocks (the
standard normal draws, 23 MB, and their correlated form, 23 MB), the desks' P&L under each (60,000 x 24,
11.5 MB) and its sorted copy for the quantiles (11.5 MB); the draws are dropped at once, the shocks, P&L
and sorted P&L are kept while the risk dashboard reads the run's tail scenarios (~0.5 s, 10 ticks), then
dropped; only the 24 VaR and expected-shortfall figures stay (overwritten in place).
Truth: not a leak, periodic spikes: a flat floor (the interpreter, numpy, the sensitivities, covariance,
prices and a 200-entry history of VaR figures, all allocated at start) and every 3 s a spike of ~46 MB (the
draws and shocks, then the shocks, P&L and sorted P&L), held ~0.5 s, 5 in a 16 s run, at ~1.5, 4.5, 7.5,
10.5 and 13.5 s. The big arrays are above glibc's mmap threshold at first (mapped and unmapped); freeing
the first raises the threshold (and the trim threshold with it) to their size, so in the first run the
later arrays come from the top of the heap, which is not trimmed when they are freed: RSS stays ~24 MB
above its floor from the first spike to the second, whose frees give it back; from then on RSS falls back
to its floor after each spike.
Measured (session 34, tests/accuracy/measure.py): tracked, live heap 6.69 MB between the runs from 0.4 s to
the end, 52.8-53.3 MB during them (1.7-2.1, 4.7-5.1, 7.7-8.1, 10.7-11.1, 13.7-14.1 s; -42 kB/s over 3-13 s),
RSS 47.0 MB before the first run, 71.0 from 2.1 to 4.6 s, 47.1 between the later runs, 104.6 MB during them;
--plain, RSS 32.4 MB before the first run, up to 79.2 during it, 56.6 from 2.1 to 4.6 s, 32.7 between the later
runs and 90.2 during them (-2.05 MB/s over 3-13 s: the first run's residue given back at 5.1 s); 320 market
ticks, 5 VaR runs.
Usage: /usr/bin/python3 numpy_var_montecarlo_spikes.py SECONDS"""
import sys

import numpy as np

import pacing

DESKS = 24
FACTORS = 48
SCENARIOS = 60000
INSTRUMENTS = 2000
HOLD_TICKS = 10  # ~0.5 s at 20 ticks a second
CONFIDENCE = 0.99


class RiskEngine:
    def __init__(self, rng):
        self.rng = rng
        self.sensitivities = rng.normal(0.0, 1.0e5, size=(DESKS, FACTORS))
        a = rng.normal(0.0, 0.01, size=(FACTORS, FACTORS))
        self.covariance = a @ a.T + np.eye(FACTORS) * 1e-4
        self.cholesky = np.linalg.cholesky(self.covariance)
        self.limits = np.full(DESKS, 2.5e6)
        self.prices = rng.uniform(10.0, 500.0, size=INSTRUMENTS)
        self.factor_levels = np.zeros(FACTORS)
        self.var = np.zeros(DESKS)
        self.expected_shortfall = np.zeros(DESKS)
        self.history = np.zeros((200, DESKS))
        self.runs = 0
        self.held = None
        self.hold = 0
        self.breaches = 0
        self.ticks = 0

    def market_tick(self, i):
        # A few hundred instruments re-priced, the factor levels nudged: in place.
        idx = self.rng.integers(0, INSTRUMENTS, size=300)
        self.prices[idx] *= 1.0 + self.rng.normal(0.0, 2e-4, size=idx.size)
        self.factor_levels += self.rng.normal(0.0, 1e-4, size=FACTORS)
        self.ticks += 1

    def run_var(self):
        draws = self.rng.standard_normal((SCENARIOS, FACTORS))
        shocks = draws @ self.cholesky.T
        del draws
        pnl = shocks @ self.sensitivities.T  # SCENARIOS x DESKS
        ordered = np.sort(pnl, axis=0)
        cut = int((1.0 - CONFIDENCE) * SCENARIOS)
        self.var[:] = -ordered[cut, :]
        self.expected_shortfall[:] = -ordered[:cut, :].mean(axis=0)
        self.history[self.runs % 200, :] = self.var
        self.breaches += int((self.var > self.limits).sum())
        self.held = (shocks, pnl, ordered)  # for the dashboard's drill-down into the tail scenarios
        self.hold = HOLD_TICKS
        self.runs += 1

    def step(self):
        if self.held is None:
            return
        self.hold -= 1
        if self.hold == 0:
            shocks, pnl, ordered = self.held
            worst = np.argsort(pnl.sum(axis=1))[:20]
            _ = shocks[worst].mean(axis=0)  # the factor moves behind the 20 worst scenarios
            self.held = None


def main():
    seconds = pacing.run_seconds(16)
    engine = RiskEngine(np.random.default_rng(2026))

    def tick(i, t):
        # 20 ticks a second; a VaR run at 1.5 s and every 3 s after.
        engine.market_tick(i)
        engine.step()
        if i % 60 == 30:
            engine.run_var()

    pacing.every(0.05, seconds, tick)
    print(f"{engine.ticks} market ticks, {engine.runs} VaR runs, {engine.breaches} limit breaches; "
          f"firm VaR {engine.var.sum() / 1e6:.1f}M", file=sys.stderr)


if __name__ == "__main__":
    main()
