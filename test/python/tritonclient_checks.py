"""Drives a running kfs-runtime with tritonclient (HTTP and gRPC) and reports what it saw.

Run by test/runtime/peers/tritonclient.test.ts:
    .venv/bin/python test/python/tritonclient_checks.py --http 127.0.0.1:PORT --grpc 127.0.0.1:PORT --models models

Prints one JSON object: {"checks": {name: {"ok": bool, "detail": ...}}}. Every inference result is
compared with what Python onnxruntime computes for the same inputs on the same model file, so a
check is "ok" only when the server's answer equals onnxruntime's (exactly for integers, strings,
booleans and FP16; within 1e-6 for FP32 from the probability model, where the two builds may differ
by a few ulps). The script itself never exits non-zero for a failed check: the jest test asserts.
"""

from __future__ import annotations

import argparse
import json
import traceback
from pathlib import Path

import numpy as np
import onnxruntime
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

checks: dict[str, dict] = {}


def check(name: str):
    def register(function):
        try:
            detail = function()
            checks[name] = {"ok": True, "detail": detail}
        except Exception as error:  # a failed check is reported, not raised
            checks[name] = {"ok": False, "detail": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
        return function

    return register


def reference(models: Path, model: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    session = onnxruntime.InferenceSession(str(models / model / "1" / "model.onnx"), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def assert_same(name: str, got: np.ndarray | None, want: np.ndarray, tolerance: float = 0.0) -> None:
    assert got is not None, f"output {name} missing"
    assert got.shape == want.shape, f"{name}: shape {got.shape} != {want.shape}"
    if want.dtype == object:
        got_list = [value.decode() if isinstance(value, bytes) else value for value in got.ravel().tolist()]
        want_list = [value.decode() if isinstance(value, bytes) else value for value in want.ravel().tolist()]
        assert got_list == want_list, f"{name}: {got_list} != {want_list}"
        return
    assert got.dtype == want.dtype, f"{name}: dtype {got.dtype} != {want.dtype}"
    if tolerance == 0.0:
        assert np.array_equal(got, want), f"{name}: {got} != {want}"
    else:
        assert np.allclose(got, want, rtol=0, atol=tolerance), f"{name}: {got} != {want}"


IDENTITY_VALUES = {
    "BOOL": np.array([[True, False, True]]),
    "UINT8": np.array([[0, 7, 255]], dtype=np.uint8),
    "UINT16": np.array([[0, 7, 65535]], dtype=np.uint16),
    "UINT32": np.array([[0, 7, 4294967295]], dtype=np.uint32),
    "UINT64": np.array([[0, 7, 18446744073709551615]], dtype=np.uint64),
    "INT8": np.array([[-128, 0, 127]], dtype=np.int8),
    "INT16": np.array([[-32768, 0, 32767]], dtype=np.int16),
    "INT32": np.array([[-2147483648, 0, 2147483647]], dtype=np.int32),
    "INT64": np.array([[-9223372036854775808, 0, 9223372036854775807]], dtype=np.int64),
    "FP32": np.array([[0.1, -1.5, 3.4e38]], dtype=np.float32),
    "FP64": np.array([[0.1, -1.5, 1e300]], dtype=np.float64),
    "BYTES": np.array([["iris", "", "grüße ✓"]], dtype=object),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True)
    parser.add_argument("--grpc", required=True)
    parser.add_argument("--models", required=True, type=Path)
    args = parser.parse_args()
    models: Path = args.models

    http = httpclient.InferenceServerClient(url=args.http)
    grpc = grpcclient.InferenceServerClient(url=args.grpc)
    clients = {"http": (httpclient, http), "grpc": (grpcclient, grpc)}

    iris_input = np.array([[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5], [6.0, 2.9, 4.9, 1.6]], dtype=np.float32)
    iris_want = reference(models, "iris", {"input": iris_input})
    identity_want = reference(
        models,
        "identity",
        {f"in_{datatype.lower()}": value if datatype != "BYTES" else value.astype(object) for datatype, value in IDENTITY_VALUES.items()},
    )
    half_input = np.array([[0.5, -1.25, 3.140625, 65504.0]], dtype=np.float16)
    half_want = reference(models, "half", {"x": half_input})

    for transport, (module, client) in clients.items():

        @check(f"{transport}: health")
        def _():
            assert client.is_server_live() is True
            assert client.is_server_ready() is True
            assert client.is_model_ready("iris") is True
            assert client.is_model_ready("iris", "1") is True
            assert client.is_model_ready("mlp") is False, "mlp is in the repository but not loaded"
            return "live, ready, iris ready (unversioned and version 1), mlp not ready"

        @check(f"{transport}: server metadata")
        def _():
            metadata = client.get_server_metadata()
            if transport == "grpc":
                metadata = {"name": metadata.name, "version": metadata.version, "extensions": list(metadata.extensions)}
            return metadata

        @check(f"{transport}: model metadata")
        def _():
            metadata = client.get_model_metadata("iris", "1", **({"as_json": True} if transport == "grpc" else {}))
            return metadata

        @check(f"{transport}: model config")
        def _():
            config = client.get_model_config("iris", **({"as_json": True} if transport == "grpc" else {}))
            config = config.get("config", config)
            return {
                "max_batch_size": int(config.get("max_batch_size", 0)),
                "input": [(tensor["name"], tensor["data_type"], [int(d) for d in tensor["dims"]]) for tensor in config["input"]],
                "output": [(tensor["name"], tensor["data_type"], [int(d) for d in tensor["dims"]]) for tensor in config["output"]],
            }

        @check(f"{transport}: iris with binary inputs and outputs (the client's default)")
        def _():
            infer_input = module.InferInput("input", list(iris_input.shape), "FP32")
            infer_input.set_data_from_numpy(iris_input)
            result = client.infer("iris", [infer_input], request_id="tc-1")
            assert_same("label", result.as_numpy("label"), iris_want["label"])
            assert_same("probabilities", result.as_numpy("probabilities"), iris_want["probabilities"], 1e-6)
            response = result.get_response(**({"as_json": True} if transport == "grpc" else {}))
            assert response["id"] == "tc-1", response
            return "equal to onnxruntime"

        @check(f"{transport}: identity, every datatype incl. BYTES and 64-bit extremes, binary")
        def _():
            inputs = []
            for datatype, value in IDENTITY_VALUES.items():
                infer_input = module.InferInput(f"in_{datatype.lower()}", list(value.shape), datatype)
                infer_input.set_data_from_numpy(value)
                inputs.append(infer_input)
            result = client.infer("identity", inputs)
            for datatype in IDENTITY_VALUES:
                name = f"out_{datatype.lower()}"
                assert_same(name, result.as_numpy(name), identity_want[name])
            return f"{len(IDENTITY_VALUES)} datatypes equal to onnxruntime"

        @check(f"{transport}: FP16 in and out")
        def _():
            infer_input = module.InferInput("x", list(half_input.shape), "FP16")
            infer_input.set_data_from_numpy(half_input)
            result = client.infer("half", [infer_input])
            assert_same("y", result.as_numpy("y"), half_want["y"])
            return str(result.as_numpy("y").tolist())  # str: JSON has no Infinity (65504 * 2 overflows FP16)

        @check(f"{transport}: repository index, load, infer, unload")
        def _():
            index = client.get_model_repository_index(**({"as_json": True} if transport == "grpc" else {}))
            rows = index if transport == "http" else index.get("models", [])
            names = sorted(row["name"] for row in rows)
            client.load_model("mlp")
            assert client.is_model_ready("mlp") is True
            batch = np.random.default_rng(7).random((2, 784), dtype=np.float32)
            infer_input = module.InferInput("input", [2, 784], "FP32")
            infer_input.set_data_from_numpy(batch)
            result = client.infer("mlp", [infer_input])
            assert_same("logits", result.as_numpy("logits"), reference(models, "mlp", {"input": batch})["logits"], 1e-4)
            client.unload_model("mlp")
            assert client.is_model_ready("mlp") is False
            index_after = client.get_model_repository_index(**({"as_json": True} if transport == "grpc" else {}))
            rows_after = index_after if transport == "http" else index_after.get("models", [])
            mlp_after = next(row for row in rows_after if row["name"] == "mlp")
            return {"names": names, "mlp_after_unload": {"state": mlp_after.get("state"), "reason": mlp_after.get("reason")}}

        @check(f"{transport}: statistics")
        def _():
            stats = client.get_inference_statistics("iris", **({"as_json": True} if transport == "grpc" else {}))
            entries = stats["model_stats"]
            assert len(entries) == 1, entries
            entry = entries[0]
            success = entry["inference_stats"]["success"]
            return {
                "name": entry["name"],
                "version": entry["version"],
                "success_count": int(success["count"]),
                "inference_count": int(entry.get("inference_count", 0)),
                "success_ns_positive": int(success["ns"]) > 0,
            }

        @check(f"{transport}: unknown model is an error with Triton's message")
        def _():
            infer_input = module.InferInput("input", [1, 4], "FP32")
            infer_input.set_data_from_numpy(iris_input[:1])
            try:
                client.infer("no-such-model", [infer_input])
            except InferenceServerException as error:
                return {"status": str(error.status()), "message": error.message()}
            raise AssertionError("no error")

    @check("http: iris with JSON inputs and JSON outputs")
    def _():
        infer_input = httpclient.InferInput("input", list(iris_input.shape), "FP32")
        infer_input.set_data_from_numpy(iris_input, binary_data=False)
        outputs = [httpclient.InferRequestedOutput("label", binary_data=False), httpclient.InferRequestedOutput("probabilities", binary_data=False)]
        result = http.infer("iris", [infer_input], outputs=outputs)
        response = result.get_response()
        assert all("data" in output for output in response["outputs"]), response
        assert_same("label", result.as_numpy("label"), iris_want["label"])
        assert_same("probabilities", result.as_numpy("probabilities"), iris_want["probabilities"], 1e-6)
        return "equal to onnxruntime"

    @check("http: mixed JSON and binary inputs and outputs")
    def _():
        # identity: half the inputs as JSON, half binary; one output JSON, one binary.
        inputs = []
        for position, (datatype, value) in enumerate(IDENTITY_VALUES.items()):
            infer_input = httpclient.InferInput(f"in_{datatype.lower()}", list(value.shape), datatype)
            exact_in_json = datatype not in ("UINT64", "INT64")  # JSON numbers cannot carry 2^63
            infer_input.set_data_from_numpy(value, binary_data=not (exact_in_json and position % 2 == 0))
            inputs.append(infer_input)
        outputs = [
            httpclient.InferRequestedOutput("out_int64", binary_data=True),
            httpclient.InferRequestedOutput("out_bytes", binary_data=False),
            httpclient.InferRequestedOutput("out_fp32", binary_data=False),
        ]
        result = http.infer("identity", inputs, outputs=outputs)
        response = result.get_response()
        kinds = {output["name"]: ("binary" if "binary_data_size" in output.get("parameters", {}) else "json") for output in response["outputs"]}
        for name in ("out_int64", "out_bytes", "out_fp32"):
            assert_same(name, result.as_numpy(name), identity_want[name])
        return kinds

    @check("http: gzip and deflate request compression")
    def _():
        infer_input = httpclient.InferInput("input", list(iris_input.shape), "FP32")
        infer_input.set_data_from_numpy(iris_input)
        for algorithm in ("gzip", "deflate"):
            result = http.infer("iris", [infer_input], request_compression_algorithm=algorithm, response_compression_algorithm=algorithm)
            assert_same("label", result.as_numpy("label"), iris_want["label"])
        return "both equal to onnxruntime"

    @check("http: BYTES as JSON strings")
    def _():
        inputs = []
        for datatype, value in IDENTITY_VALUES.items():
            infer_input = httpclient.InferInput(f"in_{datatype.lower()}", list(value.shape), datatype)
            infer_input.set_data_from_numpy(value, binary_data=datatype in ("UINT64", "INT64"))
            inputs.append(infer_input)
        result = http.infer("identity", inputs, outputs=[httpclient.InferRequestedOutput("out_bytes", binary_data=False)])
        assert_same("out_bytes", result.as_numpy("out_bytes"), identity_want["out_bytes"])
        return result.get_response()["outputs"][0]["data"]

    print(json.dumps({"checks": checks}, default=str))


if __name__ == "__main__":
    main()
