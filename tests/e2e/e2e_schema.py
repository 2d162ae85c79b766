#!/usr/bin/env python3
"""The JSON report honours the contract: docs/report-schema.json (leakscope.report/1).

Validates the reports of several kinds of run against the schema: tracked and untracked, a run too
short to judge, a sawtooth (few teeth: the rate interval must still be numbers), sampling mode, a
tracker stream lost while the target ran, attach, and analyze of a damaged recording. Strictly: every
field a report holds must be described in the schema (the schema itself stays open to additions, as
the contract says; this test closes every object it describes). Exit 77 (skipped) when the schema or
the jsonschema module is not available.

Usage: e2e_schema.py BUILD_DIR SCHEMA
"""
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import jsonschema
except ImportError:
    print("python3 module jsonschema not available: skipped")
    sys.exit(77)


def closed(schema):
    """The schema with no field left undescribed: every object schema that lists properties admits no others."""
    if isinstance(schema, dict):
        out = {key: closed(value) for key, value in schema.items()}
        if "properties" in schema:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


# Reports that must show a part of the schema, else that part went untested: name -> (what, check).
COVERAGE = {
    "tracked-leak": ("sites, at_exit sites, the live heap's diagnosis",
                     lambda r: r["sites"] and r["sites_at_exit"] and "live_heap" in r["diagnoses"]),
    "sampled": ("a sampled site's interval", lambda r: any(s["live_bytes_ci_low"] is not None for s in r["sites"])),
    "lost-stream": ("a lost stream", lambda r: len(r["tracking_lost"]) == 1),
}


def main():
    build, schema_path = sys.argv[1:3]
    if not os.path.exists(schema_path):
        print(f"{schema_path} not found: skipped")
        return 77
    with open(schema_path) as f:
        schema = closed(json.load(f))
    leakscope = os.path.join(build, "bin", "leakscope")
    examples = os.path.join(build, "bin", "examples")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="leakscope-schema-") as work:
        def path(name):
            return os.path.join(work, name)

        runs = {
            "untracked": ["run", "--no-track", "-o", path("a.lks"), "--json", path("untracked.json"), "--", "sleep", "1.5"],
            "too-short": ["run", "-o", path("b.lks"), "--json", path("too-short.json"), "--", "true"],
            "tracked-leak": ["run", "--events-regex", "request", "-o", path("c.lks"), "--json", path("tracked-leak.json"),
                             "--", os.path.join(examples, "leaky_service"), "3"],
            "sawtooth": ["run", "-o", path("d.lks"), "--json", path("sawtooth.json"), "--",
                         os.path.join(examples, "bounded_history"), "6"],
            "sampled": ["run", "--sample-bytes", "64K", "-o", path("f.lks"), "--json", path("sampled.json"), "--",
                        os.path.join(examples, "leaky_service"), "3"],
            "lost-stream": ["run", "-o", path("g.lks"), "--json", path("lost-stream.json"), "--",
                            os.path.join(build, "bin", "tests", "lost_stream"), "close-raw"],
        }
        for name, args in runs.items():
            subprocess.run([leakscope, args[0], "-q"] + args[1:], capture_output=True, timeout=60)
        # attach, and analyze of a recording cut short
        target = subprocess.Popen(["sleep", "10"])
        try:
            subprocess.run([leakscope, "attach", str(target.pid), "-q", "--duration", "1.2s", "-o", path("e.lks"),
                            "--json", path("attach.json")], capture_output=True, timeout=30)
        finally:
            target.kill()
            target.wait()
        with open(path("c.lks"), "r+b") as f:
            f.truncate(os.path.getsize(path("c.lks")) * 2 // 3)
        subprocess.run([leakscope, "analyze", path("c.lks"), "-q", "--json", path("damaged.json")], capture_output=True, timeout=60)

        names = ["untracked", "too-short", "tracked-leak", "sawtooth", "sampled", "lost-stream", "attach", "damaged"]
        for name in names:
            report_path = path(name + ".json")
            if not os.path.exists(report_path):
                print(f"FAIL {name}: no report written")
                failures += 1
                continue
            with open(report_path) as f:
                text = f.read()
            try:
                report = json.loads(text)
                jsonschema.validate(report, schema)
            except (ValueError, jsonschema.ValidationError) as error:
                where = "/".join(str(p) for p in getattr(error, "absolute_path", []))
                print(f"FAIL {name}: at /{where}: {str(error).splitlines()[0]}")
                failures += 1
                continue
            if name in COVERAGE and not COVERAGE[name][1](report):
                print(f"FAIL {name}: the report shows no {COVERAGE[name][0]}: that part of the schema went untested")
                failures += 1
                continue
            print(f"ok   {name}: {report['verdict']['pattern']}, metric {report['growth']['metric']}")
    print(f"{len(names) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
