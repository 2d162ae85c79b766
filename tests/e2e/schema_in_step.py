#!/usr/bin/env python3
"""docs/report-schema.json is the shared contract plus additions only.

Every key and value of the shared schema must be in the repository's copy: objects may gain keys,
lists ("required", "enum", ...) may gain items, nothing may be removed or changed. One line per
difference. Exit 77 (skipped) when the shared file is not there (a checkout without ../shared).

Usage: schema_in_step.py SHARED_SCHEMA REPOSITORY_SCHEMA
"""
import json
import os
import sys


def missing(shared, ours, where):
    """The places where `ours` does not contain `shared`."""
    if isinstance(shared, dict):
        if not isinstance(ours, dict):
            return [f"{where}: an object in the contract, {type(ours).__name__} here"]
        out = []
        for key, value in shared.items():
            if key not in ours:
                out.append(f"{where}/{key}: missing")
            else:
                out += missing(value, ours[key], f"{where}/{key}")
        return out
    if isinstance(shared, list):
        if not isinstance(ours, list):
            return [f"{where}: a list in the contract, {type(ours).__name__} here"]
        # Lists of values (required, enum, type) may gain items; lists of schemas (anyOf, ...) must keep
        # each of theirs in place, with additions inside.
        if all(not isinstance(item, (dict, list)) for item in shared):
            return [f"{where}: {item!r} removed" for item in shared if item not in ours]
        if len(ours) < len(shared):
            return [f"{where}: {len(shared)} items in the contract, {len(ours)} here"]
        out = []
        for i, item in enumerate(shared):
            out += missing(item, ours[i], f"{where}[{i}]")
        return out
    if shared != ours:
        return [f"{where}: {shared!r} in the contract, {ours!r} here"]
    return []


def main():
    shared_path, ours_path = sys.argv[1:3]
    if not os.path.exists(shared_path):
        print(f"{shared_path} not found: skipped")
        return 77
    with open(shared_path) as f:
        shared = json.load(f)
    with open(ours_path) as f:
        ours = json.load(f)
    problems = missing(shared, ours, "")
    for line in problems:
        print(line)
    if problems:
        print(f"{ours_path} is not {shared_path} plus additions: {len(problems)} difference(s)")
        return 1
    print(f"{ours_path} holds all of {shared_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
