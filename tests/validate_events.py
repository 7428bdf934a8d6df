#!/usr/bin/python3
"""Validates JSON-lines events against docs/events.schema.json.

Usage: validate_events.py SCHEMA EVENTS.jsonl  -> exit 0 when every line is valid.
Used by the event and end-to-end tests (Debian's python3-jsonschema).
"""
import json
import sys

import jsonschema


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    count = 0
    for n, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
        if not line.strip():
            continue
        count += 1
        for error in validator.iter_errors(json.loads(line)):
            print(f"line {n}: {error.message}")
            bad += 1
    print(f"{count} events, {bad} errors")
    return 1 if bad or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
