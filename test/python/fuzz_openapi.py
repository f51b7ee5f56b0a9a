"""Schema-based fuzzing of a running kfs-runtime with schemathesis, from runtime/protocol/rest_predict_v2.yaml.

Run by test/runtime/conformance/openapi-fuzz.test.ts:
    .venv/bin/python test/python/fuzz_openapi.py --url http://127.0.0.1:PORT --spec runtime/protocol/rest_predict_v2.yaml --requests 5000

Every operation of the spec is generated in schemathesis' positive mode (valid per schema) and
negative mode (schema violations), with the model-name path parameter narrowed to the models the
server has (plus one unknown name), so requests reach the codecs instead of all being 404s. Each
response is checked with schemathesis' own checks: not_a_server_error (no 5xx), status codes and
content types documented in the spec, and response bodies conforming to its schemas.

Prints one JSON object: requests sent, per-status counts, per-operation counts, and failures (the
first few of each kind, with a curl command to reproduce).
"""

from __future__ import annotations

import argparse
import collections
import json
import math

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, response_schema_conformance, status_code_conformance

MODEL_NAMES = ["iris", "identity", "half", "mlp", "no-such-model"]
MODEL_VERSIONS = ["1", "2"]
# The repository endpoints: unloading iris would make most of the rest 503s, so they get a share
# proportional to their operation count like everything else but run last.
REPOSITORY_OPERATIONS = ("repository-load", "repository-unload")


def narrowed(raw: dict) -> dict:
    for item in raw["paths"].values():
        for parameter in item.get("parameters", []):
            if parameter["name"] == "MODEL_NAME":
                parameter["schema"] = {"type": "string", "enum": MODEL_NAMES}
            if parameter["name"] == "MODEL_VERSION":
                parameter["schema"] = {"type": "string", "enum": MODEL_VERSIONS}
    return raw


def is_documented_not_ready(response) -> bool:
    """503 with the model-not-ready error body: the protocol's answer, not a server fault."""
    if response.status_code != 503:
        return False
    try:
        message = response.json()["error"]
    except Exception:
        return False
    return isinstance(message, str) and " is not ready (" in message


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--shard", default="0/1", help="i/n: run every n-th operation from i, so n processes share the work")
    args = parser.parse_args()
    shard, shards = (int(part) for part in args.shard.split("/"))

    import yaml

    with open(args.spec) as file:
        schema = schemathesis.openapi.from_dict(narrowed(yaml.safe_load(file)))
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda operation: operation.definition.raw.get("operationId", "") in REPOSITORY_OPERATIONS)
    operations = operations[shard::shards]

    session = requests.Session()
    statuses: collections.Counter[int] = collections.Counter()
    per_operation: collections.Counter[str] = collections.Counter()
    failures: dict[str, list[str]] = collections.defaultdict(list)
    # schemathesis' not_a_server_error counts every 5xx; the protocol's 503 for a model that is not
    # ready (here: one the fuzzer itself unloaded) is checked separately, below, for its exact body.
    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    sent = 0

    def run(operation, mode: GenerationMode, examples: int) -> None:
        nonlocal sent

        @settings(max_examples=examples, deadline=None, database=None, derandomize=False, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=True)
        @given(case=operation.as_strategy(generation_mode=mode))
        def test(case) -> None:
            nonlocal sent
            response = case.call(base_url=args.url, session=session, timeout=30)
            sent += 1
            statuses[response.status_code] += 1
            per_operation[f"{case.method} {case.operation.path}"] += 1
            if response.status_code >= 500 and not is_documented_not_ready(response):
                if len(failures["server error"]) < 5:
                    failures["server error"].append(f"{response.status_code} {response.text[:300]} :: {case.as_curl_command()[:600]}")
            try:
                case.validate_response(response, checks=checks)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:  # record, keep going: the report lists them all
                kind = type(error).__name__
                if len(failures[kind]) < 5:
                    failures[kind].append(f"{response.status_code} {str(error)[:400]} :: {case.as_curl_command()[:600]}")

        test()

    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    per_run = math.ceil(args.requests / (len(operations) * len(modes)))
    # Operations without inputs run out of distinct cases early; top up with the ones that have bodies.
    rounds = 0
    while sent < args.requests and rounds < 20:
        for operation in operations:
            for mode in modes:
                if sent >= args.requests and rounds > 0:
                    break
                try:
                    run(operation, mode, per_run)
                except Exception as error:  # e.g. a mode with nothing to negate
                    failures.setdefault("generation", [])
                    if "Unsatisfiable" not in type(error).__name__ and len(failures["generation"]) < 5:
                        failures["generation"].append(f"{operation.path} {mode}: {type(error).__name__}: {str(error)[:200]}")
        rounds += 1

    failures.pop("generation", None) if not failures.get("generation") else None
    print(json.dumps({
        "requests": sent,
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "operations": dict(per_operation),
        "failures": failures,
    }))


if __name__ == "__main__":
    main()
