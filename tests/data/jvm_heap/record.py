#!/usr/bin/env python3
"""Records the JVM heap figures of a leakscope JSON report as test data for diagnosis.RuntimeHeap.*:
one row per sample that carries them (t_s, heap used, committed, max, young/full/concurrent collections),
after a comment line with how the run was made and RSS's warm-up end (the rule's steady_from_s).

Usage: record.py REPORT.json "COMMAND AND FLAGS" > NAME.csv
"""
import json
import sys

report = json.load(open(sys.argv[1]))
series = report["series"]
names = ["t_s", "runtime_heap_used_bytes", "runtime_heap_committed_bytes", "runtime_heap_max_bytes",
         "runtime_young_gcs", "runtime_full_gcs", "runtime_concurrent_gcs"]
print(f"# {sys.argv[2]}; steady_from_s={report['diagnoses']['rss']['warmup_end_s']:.2f}")
print("t_s,used,committed,max,young,full,concurrent")
for row in zip(*(series[n] for n in names)):
    if None in row:
        continue
    print(f"{row[0]:.3f}," + ",".join(str(int(v)) for v in row[1:]))
