#!/usr/bin/env python3
"""Reads Prometheus text format (from the file named, or stdin) and prints its metric families as JSON, parsed by the
reference client (prometheus_client), so the broker's /metrics is checked by a parser it did not write.

Output: {"<family>": {"type": "counter", "samples": [{"name": ..., "labels": {...}, "value": ...}]}}
(prometheus_client names a counter family without its `_total`; the samples keep it).
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
families = {}
for family in text_string_to_metric_families(text):
    families[family.name] = {
        "type": family.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    }
json.dump(families, sys.stdout)
