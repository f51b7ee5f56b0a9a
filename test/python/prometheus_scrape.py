"""Scrapes a Prometheus endpoint and parses it with prometheus_client's own text-format parser.

Run by test/runtime/metrics/metrics.test.ts:
    .venv/bin/python test/python/prometheus_scrape.py http://127.0.0.1:PORT/metrics

Prints {"content_type": ..., "families": [{"name", "type", "help", "samples": [{"name", "labels", "value"}]}]}.
A page the parser rejects makes the script fail, and with it the test.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    with urllib.request.urlopen(sys.argv[1], timeout=30) as response:
        content_type = response.headers.get("Content-Type")
        text = response.read().decode("utf-8")
    families = [
        {
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
        }
        for family in text_string_to_metric_families(text)
    ]
    print(json.dumps({"content_type": content_type, "families": families}))


if __name__ == "__main__":
    main()
