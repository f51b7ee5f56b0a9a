"""Drives a running kfs-runtime with KServe's Python SDK clients and reports what it saw.

Run by test/runtime/peers/kserve.test.ts:
    .venv/bin/python test/python/kserve_checks.py --http http://127.0.0.1:PORT --grpc 127.0.0.1:PORT --models models

Uses kserve.InferenceRESTClient (v2, JSON and binary; v1 predict) and kserve.InferenceGRPCClient
(v2 gRPC, KServe's own proto). Prints {"checks": {name: {"ok": bool, "detail": ...}}}; results are
compared with Python onnxruntime's outputs for the same inputs on the same model files.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from pathlib import Path

import numpy as np
import onnxruntime

# kserve parses sys.argv with its model-server parser at import time; ours must not reach it.
ARGS = sys.argv[1:]
sys.argv = sys.argv[:1]
from kserve import InferenceGRPCClient, InferenceRESTClient, InferInput, InferRequest, RESTConfig  # noqa: E402

checks: dict[str, dict] = {}


async def run_check(name: str, function) -> None:
    try:
        checks[name] = {"ok": True, "detail": await function()}
    except Exception as error:  # a failed check is reported, not raised
        checks[name] = {"ok": False, "detail": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}


def reference(models: Path, model: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    session = onnxruntime.InferenceSession(str(models / model / "1" / "model.onnx"), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def output_named(response, name: str):
    return next(output for output in response.outputs if output.name == name)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True)
    parser.add_argument("--grpc", required=True)
    parser.add_argument("--models", required=True, type=Path)
    args = parser.parse_args(ARGS)

    iris_input = np.array([[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]], dtype=np.float32)
    want = reference(args.models, "iris", {"input": iris_input})
    half_input = np.array([[0.5, -1.25, 3.140625]], dtype=np.float16)
    half_want = reference(args.models, "half", {"x": half_input})

    rest_v2 = InferenceRESTClient(RESTConfig(protocol="v2", retries=0))
    rest_v1 = InferenceRESTClient(RESTConfig(protocol="v1", retries=0))
    grpc = InferenceGRPCClient(url=args.grpc, retries=0)

    def iris_request(binary: bool, request_id: str) -> InferRequest:
        infer_input = InferInput(name="input", shape=list(iris_input.shape), datatype="FP32")
        infer_input.set_data_from_numpy(iris_input, binary_data=binary)
        return InferRequest(model_name="iris", infer_inputs=[infer_input], request_id=request_id)

    def assert_iris(response) -> None:
        label = output_named(response, "label").as_numpy()
        probabilities = output_named(response, "probabilities").as_numpy()
        assert np.array_equal(label.reshape(want["label"].shape), want["label"]), (label, want["label"])
        assert np.allclose(probabilities.reshape(want["probabilities"].shape), want["probabilities"], rtol=0, atol=1e-6), probabilities

    async def rest_health():
        return {
            "server_live": await rest_v2.is_server_live(args.http),
            "server_ready": await rest_v2.is_server_ready(args.http),
            "model_ready": await rest_v2.is_model_ready(args.http, "iris"),
        }

    async def rest_json():
        response = await rest_v2.infer(args.http, iris_request(False, "ks-json"), model_name="iris")
        assert_iris(response)
        return {"id": response.id, "model_name": response.model_name}

    async def rest_binary():
        response = await rest_v2.infer(args.http, iris_request(True, "ks-binary"), model_name="iris")
        assert_iris(response)
        return {"id": response.id, "model_name": response.model_name}

    async def rest_fp16():
        infer_input = InferInput(name="x", shape=list(half_input.shape), datatype="FP16")
        infer_input.set_data_from_numpy(half_input, binary_data=True)
        request = InferRequest(model_name="half", infer_inputs=[infer_input])
        request.parameters = {"binary_data_output": True}
        response = await rest_v2.infer(args.http, request, model_name="half")
        got = output_named(response, "y").as_numpy()
        assert np.array_equal(got.reshape(half_want["y"].shape), half_want["y"]), got
        return got.tolist()

    async def grpc_health():
        return {
            "server_live": await grpc.is_server_live(),
            "server_ready": await grpc.is_server_ready(),
            "model_ready": await grpc.is_model_ready("iris"),
        }

    async def grpc_infer():
        response = await grpc.infer(iris_request(False, "ks-grpc"))
        assert_iris(response)
        return {"id": response.id, "model_name": response.model_name}

    async def v1_predict():
        response = await rest_v1.infer(args.http, {"instances": iris_input.tolist()}, model_name="iris")
        predictions = response["predictions"]
        labels = [row["label"] for row in predictions]
        probabilities = np.array([row["probabilities"] for row in predictions], dtype=np.float32)
        assert labels == want["label"].tolist(), labels
        assert np.allclose(probabilities, want["probabilities"], rtol=0, atol=1e-6), probabilities
        return {"labels": labels}

    async def v1_model_ready():
        return await rest_v1.is_model_ready(args.http, "iris")

    await run_check("rest v2: health", rest_health)
    await run_check("rest v2: infer with JSON data", rest_json)
    await run_check("rest v2: infer with binary data", rest_binary)
    await run_check("rest v2: FP16 binary in and out", rest_fp16)
    await run_check("grpc v2: health", grpc_health)
    await run_check("grpc v2: infer", grpc_infer)
    await run_check("v1: predict with instances", v1_predict)
    await run_check("v1: model ready", v1_model_ready)
    await rest_v2.close()
    await rest_v1.close()
    await grpc.close()
    print(json.dumps({"checks": checks}, default=str))


if __name__ == "__main__":
    asyncio.run(main())
