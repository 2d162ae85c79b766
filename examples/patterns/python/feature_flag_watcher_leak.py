"""A pure-Python leak through a change-listener registry (written in session 17 as a held-out check,
never tuned on): a web app's feature-flag SDK. The flag store is a process-wide singleton that pushes
flag changes to whoever registered for them. Each request builds a FlagEvaluator for its user: the
user's targeting context (a dict of 14 attributes: plan, country, app version, the user's segments...)
and a memo of the flags evaluated so far. The evaluator registers its bound method on_flags_changed
with the store, so that a flag flipped mid-request is re-read, and nothing ever removes it: the
store's listener list holds every evaluator, and through the bound method its context and memo, for
good. (The SDK's docs say to call evaluator.close(); the request handler never does.) 100 requests a
second, two every 20 ms; the flag service flips a flag every 2 s and the store calls every listener
(each one bumps its evaluator's version: nothing allocated).
Truth: a leak, linear, from the start: 100 evaluators a second stay reachable, each ~2.5 kB (its
context dict and strings, its segment list, its memo dict, the object and the bound method): ~250 kB/s
(measured below). The context, the bulk of it, is built in FlagEvaluator.__init__. Nearly all of
it is objects under 512 B, which pymalloc serves from 1 MiB arenas: what the process takes from the
system comes in 1 MiB steps, one every ~4.7 s, so a staircase of three or four steps is an honest
reading of the same leak.
Measured (tests/accuracy/measure.py, session 17): pymalloc's arenas 2.11 -> 5.26 MB over 3-16 s
(+222 kB/s), malloc's live heap flat at 1.30 MB; RSS without the tracker 9.85 -> 12.75 MB over 3-16 s
(+225 kB/s); 1,600 listeners registered at exit.
Usage: /usr/bin/python3 feature_flag_watcher_leak.py SECONDS
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

FLAGS = [f"checkout.{name}" for name in ("new_payment_form", "one_click", "address_autocomplete", "bnpl_offer",
                                          "gift_wrap", "express_shipping", "loyalty_points", "split_tender")]
PLANS = ("free", "starter", "team", "business", "enterprise")
COUNTRIES = ("GB", "DE", "FR", "US", "CA", "NL", "SE", "ES", "IT", "PL", "IE", "AU")


class FlagStore:
    """The SDK's process-wide store: flag rules, and the callbacks to tell about changes."""

    def __init__(self):
        self.rules = {flag: (i * 13) % 100 for i, flag in enumerate(FLAGS)}
        self.version = 0
        self._listeners = []

    def on_change(self, callback):
        self._listeners.append(callback)

    def flip(self, flag):
        self.rules[flag] = (self.rules[flag] + 37) % 100
        self.version += 1
        for callback in self._listeners:
            callback(flag, self.version)

    def listeners(self):
        return len(self._listeners)


STORE = FlagStore()


class FlagEvaluator:
    """One request's view of the flags, for one user."""

    def __init__(self, user_id, request_id):
        self.context = {
            "key": f"user-{user_id:08d}",
            "anonymous": False,
            "email_domain": f"customer{user_id % 9973}.example.org",
            "plan": PLANS[user_id % len(PLANS)],
            "country": COUNTRIES[user_id % len(COUNTRIES)],
            "app_version": f"web-2026.{user_id % 12 + 1}.{request_id % 40}",
            "user_agent": f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/{120 + user_id % 9}.0.{request_id % 5000}",
            "signup_day": f"2025-{user_id % 12 + 1:02d}-{user_id % 28 + 1:02d}",
            "request_id": f"req-{request_id:012d}-{user_id * 7919 % 1000003:07d}",
            "ip": f"10.{user_id % 256}.{request_id % 256}.{(user_id + request_id) % 254 + 1}",
            "locale": "en-GB",
            "beta_opt_in": user_id % 5 == 0,
            "cart_value_pence": (user_id * 37 + request_id) % 50000,
            "tenant": f"tenant-{user_id % 300:04d}",
        }
        self.segments = [f"segment-{(user_id + s * 97) % 500:03d}-{PLANS[s % len(PLANS)]}" for s in range(8)]
        self.memo = {}
        self.version = STORE.version
        STORE.on_change(self.on_flags_changed)

    def on_flags_changed(self, flag, version):
        self.version = version

    def enabled(self, flag):
        if flag not in self.memo:
            bucket = hash((self.context["key"], flag)) % 100
            self.memo[flag] = bucket < STORE.rules[flag]
        return self.memo[flag]

    def close(self):
        """What the request handler should call at the end of the request (it never does)."""
        STORE._listeners.remove(self.on_flags_changed)


def handle_request(request_id):
    user_id = (request_id * 2654435761) % 1000000
    flags = FlagEvaluator(user_id, request_id)
    shown = [flag for flag in FLAGS[:5] if flags.enabled(flag)]
    return len(shown)


def main():
    seconds = pacing.run_seconds(16)
    served = [0, 0]

    def tick(i, _t):
        for k in range(2):
            served[1] += handle_request(i * 2 + k)
            served[0] += 1
        if i % 100 == 99:  # the flag service pushes a change every 2 s
            STORE.flip(FLAGS[(i // 100) % len(FLAGS)])

    pacing.every(0.02, seconds, tick)
    print(f"{served[0]} requests, {served[1]} flags shown, {STORE.listeners()} listeners registered", file=sys.stderr)


if __name__ == "__main__":
    main()
