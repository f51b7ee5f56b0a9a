"""Generate the example ONNX models that tests, examples and benchmarks use.

Run from the repository root (see models/README.md). Output is deterministic: fixed seeds,
fixed opset and IR version, so re-running it rewrites byte-identical files.

- models/iris/1/model.onnx     logistic regression trained on sklearn's bundled iris data
- models/iris/1/expected.json  sample v2 request and the outputs Python onnxruntime gives for it
- models/mlp/1/model.onnx      784-512-256-10 MLP with fixed random weights (batching benchmarks)
- models/identity/1/model.onnx one Identity per v2 datatype that JSON can carry (codec round trips)
- models/half/1/model.onnx     FP16 in, FP16 out (doubled): the datatype only binary/raw forms carry
- models/lookup/1/model.onnx   table lookup by index (Gather): an out-of-range index fails the run
- models/fixed/1/model.onnx    FP32 [2, 2] identity: a fixed first dimension, which cannot be batched
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import skl2onnx
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

MODELS_DIR = Path(__file__).resolve().parent
# onnxruntime-node 1.30 reads these; newer IR versions written by a newer `onnx` would be refused
# by older runtimes people may point the server at, so pin what the file declares.
IR_VERSION = 8
OPSET = 17
ML_OPSET = 3
SEED = 20240601


def write_model(model: onnx.ModelProto, path: Path) -> None:
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString(deterministic=True))
    print(f"wrote {path.relative_to(MODELS_DIR.parent)} ({path.stat().st_size} bytes)")


def build_iris() -> onnx.ModelProto:
    iris = load_iris()
    classifier = LogisticRegression(max_iter=1000, random_state=SEED)
    classifier.fit(iris.data.astype(np.float32), iris.target)
    # zipmap=False: a ZipMap output is a sequence of maps, which onnxruntime-node cannot return;
    # a plain [N, 3] float tensor can.
    model = to_onnx(
        classifier,
        initial_types=[("input", FloatTensorType([None, 4]))],
        target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
        options={id(classifier): {"zipmap": False}},
    )
    model.doc_string = "Logistic regression on the iris data set (sklearn load_iris)."
    return model


def iris_samples() -> np.ndarray:
    iris = load_iris()
    # One flower per class plus one between versicolor and virginica so probabilities are not
    # all saturated near 0/1.
    rows = [iris.data[0], iris.data[50], iris.data[100], [6.0, 2.9, 4.9, 1.6]]
    return np.asarray(rows, dtype=np.float32)


def write_iris_expected(model_path: Path) -> None:
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    samples = iris_samples()
    output_names = [o.name for o in session.get_outputs()]
    results = session.run(output_names, {"input": samples})
    outputs = []
    for name, value in zip(output_names, results):
        datatype = {np.dtype(np.int64): "INT64", np.dtype(np.float32): "FP32"}[value.dtype]
        outputs.append(
            {"name": name, "datatype": datatype, "shape": list(value.shape), "data": value.ravel().tolist()}
        )
    expected = {
        "generated_by": {
            "script": "models/generate.py",
            "onnxruntime": onnxruntime.__version__,
            "skl2onnx": skl2onnx.__version__,
        },
        "request": {
            "id": "iris-expected",
            "inputs": [
                {
                    "name": "input",
                    "datatype": "FP32",
                    "shape": list(samples.shape),
                    # float32 widened to double: exactly the values onnxruntime saw.
                    "data": samples.ravel().astype(np.float64).tolist(),
                }
            ],
        },
        "response": {"model_name": "iris", "id": "iris-expected", "outputs": outputs},
    }
    path = model_path.parent / "expected.json"
    path.write_text(json.dumps(expected, indent=2) + "\n")
    print(f"wrote {path.relative_to(MODELS_DIR.parent)}")


def build_mlp() -> onnx.ModelProto:
    rng = np.random.default_rng(SEED)
    sizes = [784, 512, 256, 10]
    nodes = []
    initializers = []
    current = "input"
    for layer, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        # He-style scaling keeps activations in a sane range through the ReLUs.
        weight = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        bias = (rng.standard_normal(fan_out) * 0.01).astype(np.float32)
        initializers += [numpy_helper.from_array(weight, f"w{layer}"), numpy_helper.from_array(bias, f"b{layer}")]
        is_last = layer == len(sizes) - 2
        gemm_out = "logits" if is_last else f"gemm{layer}"
        nodes.append(helper.make_node("Gemm", [current, f"w{layer}", f"b{layer}"], [gemm_out], name=f"gemm{layer}"))
        if not is_last:
            nodes.append(helper.make_node("Relu", [gemm_out], [f"relu{layer}"], name=f"relu{layer}"))
            current = f"relu{layer}"
    graph = helper.make_graph(
        nodes,
        "mlp",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 784])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="cdk8s-kfserving models/generate.py",
        doc_string="784-512-256-10 MLP with fixed random weights, for batching benchmarks.",
    )
    return model


def self_check_mlp(model_path: Path) -> None:
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    batch = np.random.default_rng(SEED).random((3, 784), dtype=np.float32)
    (logits,) = session.run(["logits"], {"input": batch})
    assert logits.shape == (3, 10) and np.isfinite(logits).all(), logits


# v2 datatype -> ONNX element type. FP16/BF16 are left out: JSON cannot carry them, and a model
# whose every input is required would then be unusable over JSON.
IDENTITY_DATATYPES = {
    "BOOL": TensorProto.BOOL,
    "UINT8": TensorProto.UINT8,
    "UINT16": TensorProto.UINT16,
    "UINT32": TensorProto.UINT32,
    "UINT64": TensorProto.UINT64,
    "INT8": TensorProto.INT8,
    "INT16": TensorProto.INT16,
    "INT32": TensorProto.INT32,
    "INT64": TensorProto.INT64,
    "FP32": TensorProto.FLOAT,
    "FP64": TensorProto.DOUBLE,
    "BYTES": TensorProto.STRING,
}


def build_identity() -> onnx.ModelProto:
    inputs, outputs, nodes = [], [], []
    for datatype, element_type in IDENTITY_DATATYPES.items():
        suffix = datatype.lower()
        inputs.append(helper.make_tensor_value_info(f"in_{suffix}", element_type, ["batch", "width"]))
        outputs.append(helper.make_tensor_value_info(f"out_{suffix}", element_type, ["batch", "width"]))
        nodes.append(helper.make_node("Identity", [f"in_{suffix}"], [f"out_{suffix}"], name=f"identity_{suffix}"))
    graph = helper.make_graph(nodes, "identity", inputs=inputs, outputs=outputs)
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="cdk8s-kfserving models/generate.py",
        doc_string="Identity per datatype: in_<type> -> out_<type>, shape [batch, width].",
    )


def self_check_identity(model_path: Path) -> None:
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds = {}
    for value in session.get_inputs():
        if value.type == "tensor(string)":
            feeds[value.name] = np.array([["a", "b"]], dtype=object)
        else:
            numpy_type = helper.tensor_dtype_to_np_dtype(IDENTITY_DATATYPES[value.name[3:].upper()])
            feeds[value.name] = np.ones((1, 2), dtype=numpy_type)
    results = session.run(None, feeds)
    assert all(result.shape == (1, 2) for result in results), results


def build_half() -> onnx.ModelProto:
    # Its own model: JSON cannot carry FP16, so it would make the identity model unusable over JSON.
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float16), "two")
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["y"], name="double")],
        "half",
        inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["batch", "width"])],
        outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["batch", "width"])],
        initializer=[two],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="cdk8s-kfserving models/generate.py",
        doc_string="y = 2 * x in half precision, shape [batch, width].",
    )


def self_check_half(model_path: Path) -> None:
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    x = np.array([[0.5, -1.25, 65504.0]], dtype=np.float16)
    (y,) = session.run(["y"], {"x": x})
    assert y.dtype == np.float16 and y.tolist() == [[1.0, -2.5, np.inf]], y


LOOKUP_TABLE = [0.5, 1.5, 2.5, 3.5, 4.5]


def build_lookup() -> onnx.ModelProto:
    # A fault only the engine detects, per row: an index outside the table makes onnxruntime fail
    # the whole run, which dynamic batching must keep from failing the other requests of a batch.
    table = numpy_helper.from_array(np.array(LOOKUP_TABLE, dtype=np.float32), "table")
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "index"], ["value"], name="lookup", axis=0)],
        "lookup",
        inputs=[helper.make_tensor_value_info("index", TensorProto.INT64, ["batch"])],
        outputs=[helper.make_tensor_value_info("value", TensorProto.FLOAT, ["batch"])],
        initializer=[table],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="cdk8s-kfserving models/generate.py",
        doc_string="value = table[index] for table [0.5, 1.5, 2.5, 3.5, 4.5]; an index outside 0..4 fails.",
    )


def self_check_lookup(model_path: Path) -> None:
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    (value,) = session.run(["value"], {"index": np.array([4, 0], dtype=np.int64)})
    assert value.tolist() == [4.5, 0.5], value
    try:
        session.run(["value"], {"index": np.array([9], dtype=np.int64)})
    except Exception:  # noqa: BLE001 - onnxruntime raises its own Fail type
        return
    raise AssertionError("an out-of-range index must fail")


def build_fixed() -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="identity")],
        "fixed",
        inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
        outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="cdk8s-kfserving models/generate.py",
        doc_string="y = x with a fixed [2, 2] shape: no batch axis to batch along.",
    )


def main() -> None:
    iris_path = MODELS_DIR / "iris" / "1" / "model.onnx"
    write_model(build_iris(), iris_path)
    write_iris_expected(iris_path)

    mlp_path = MODELS_DIR / "mlp" / "1" / "model.onnx"
    write_model(build_mlp(), mlp_path)
    self_check_mlp(mlp_path)

    identity_path = MODELS_DIR / "identity" / "1" / "model.onnx"
    write_model(build_identity(), identity_path)
    self_check_identity(identity_path)

    half_path = MODELS_DIR / "half" / "1" / "model.onnx"
    write_model(build_half(), half_path)
    self_check_half(half_path)

    lookup_path = MODELS_DIR / "lookup" / "1" / "model.onnx"
    write_model(build_lookup(), lookup_path)
    self_check_lookup(lookup_path)

    write_model(build_fixed(), MODELS_DIR / "fixed" / "1" / "model.onnx")


if __name__ == "__main__":
    main()
