# Writes runtime/protocol/rest_predict_v2.yaml: KServe's v2 OpenAPI, corrected and extended (see the header it writes).
# Run from the repository root with .venv/bin/python scripts/generate-openapi.py (needs PyYAML, in the test venv).
import yaml, copy
HEADER = """# Open Inference Protocol (KServe v2) REST API, corrected and extended for kfs-runtime.
#
# Upstream: kserve/kserve docs/predict-api/v2/rest_predict_v2.yaml @ aaac4e29 (2026-08-21),
# Copyright The KServe Authors, Apache License 2.0 (LICENSE.kserve beside this file).
#
# Corrections to upstream (see shared reference data-plane-v2.md section 1.9):
# - path templates were written `${MODEL_NAME}`; in OpenAPI the `$` stays literal, so tools generated
#   URLs like /v2/models/$foo. Now `{MODEL_NAME}`.
# - only versioned model paths were declared; the unversioned forms (what most clients use) are added.
# - server metadata is served at /v2 (the spec text) and /v2/ (the upstream file); both declared.
# - health endpoints had no bodies; the JSON bodies KServe's client parses are declared, and the
#   failure statuses (503 not ready, 404 unknown model) with the {"error"} body.
# - the second `x-examples` entry of inference_request was a response; removed.
# - `data` is not required on an input: with the binary tensor data extension it is absent.
# - shape entries are non-negative integers; datatypes are the protocol's closed set.
# - every operation declares its error answers (400/404/413/414/503) with the {"error"} body.
# Extensions added (what kfs-runtime advertises in server metadata): model_repository,
# model_configuration, statistics; plus the infer endpoint's binary tensor data parameters.
"""
DATATYPES = ["BOOL","UINT8","UINT16","UINT32","UINT64","INT8","INT16","INT32","INT64","FP16","FP32","FP64","BYTES","BF16"]
def err(desc): return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error_response"}}}}
def ok(ref): return {"description": "OK", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}
name_p = {"name": "MODEL_NAME", "in": "path", "required": True, "schema": {"type": "string"}}
ver_p = {"name": "MODEL_VERSION", "in": "path", "required": True, "schema": {"type": "string"}}
paths = {}
paths["/v2/health/live"] = {"get": {"operationId": "server-live", "summary": "Server Live", "responses": {"200": ok("live_response")}}}
paths["/v2/health/ready"] = {"get": {"operationId": "server-ready", "summary": "Server Ready", "responses": {"200": ok("ready_response"), "503": err("Some startup model is not ready")}}}
for p, op in [("/v2", "server-metadata"), ("/v2/", "server-metadata-slash")]:
    paths[p] = {"get": {"operationId": op, "summary": "Server Metadata", "responses": {"200": ok("metadata_server_response")}}}
model_errors = {"404": err("Unknown model or version"), "414": err("A path segment over 1024 characters"), "503": err("Model not ready")}
for versioned in (False, True):
    base = "/v2/models/{MODEL_NAME}" + ("/versions/{MODEL_VERSION}" if versioned else "")
    params = [name_p] + ([ver_p] if versioned else [])
    sfx = "-versioned" if versioned else ""
    paths[base + "/ready"] = {"parameters": params, "get": {"operationId": "model-ready" + sfx, "summary": "Model Ready", "responses": {"200": ok("model_ready_response"), **model_errors}}}
    paths[base] = {"parameters": params, "get": {"operationId": "model-metadata" + sfx, "summary": "Model Metadata", "responses": {"200": ok("metadata_model_response"), **model_errors}}}
    paths[base + "/infer"] = {"parameters": params, "post": {
        "operationId": "model-infer" + sfx, "summary": "Inference",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/inference_request"}}}},
        "responses": {"200": ok("inference_response"), "400": err("Bad request"), "413": err("Body over the size limit"), **model_errors}}}
    paths[base + "/config"] = {"parameters": params, "get": {"operationId": "model-config" + sfx, "summary": "Model Configuration (extension)", "responses": {"200": ok("model_config_response"), **model_errors}}}
    paths[base + "/stats"] = {"parameters": params, "get": {"operationId": "model-stats" + sfx, "summary": "Model Statistics (extension)", "responses": {"200": ok("statistics_response"), **model_errors}}}
paths["/v2/models/stats"] = {"get": {"operationId": "all-stats", "summary": "Statistics of every model (extension)", "responses": {"200": ok("statistics_response")}}}
paths["/v2/repository/index"] = {"post": {"operationId": "repository-index", "summary": "Repository Index (extension)",
    "requestBody": {"required": False, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/repository_index_request"}}}},
    "responses": {"200": ok("repository_index_response"), "400": err("Bad request")}}}
for action in ("load", "unload"):
    paths["/v2/repository/models/{MODEL_NAME}/" + action] = {"parameters": [name_p], "post": {"operationId": "repository-" + action, "summary": f"Repository Model {action.title()} (extension)",
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/repository_model_request"}}}},
        "responses": {"200": ok("empty_response"), "400": err("Bad request or load failure"), "404": err("Unknown model"), "414": err("A path segment over 1024 characters")}}}

dur = {"type": "object", "required": ["count", "ns"], "properties": {"count": {"type": "integer", "minimum": 0}, "ns": {"type": "integer", "minimum": 0}}}
parameters_schema = {"title": "parameters", "type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}}
tensor_data = {"title": "tensor_data", "type": "array", "items": {"anyOf": [{"$ref": "#/components/schemas/tensor_data"}, {"type": "number"}, {"type": "string"}, {"type": "boolean"}]}}
metadata_tensor = {"type": "object", "required": ["name", "datatype", "shape"], "properties": {"name": {"type": "string"}, "datatype": {"type": "string", "enum": DATATYPES}, "shape": {"type": "array", "items": {"type": "integer", "minimum": -1}}}}
config_tensor = {"type": "object", "required": ["name", "data_type", "dims"], "properties": {"name": {"type": "string"}, "data_type": {"type": "string"}, "dims": {"type": "array", "items": {"type": "integer", "minimum": -1}}}}
schemas = {
  "error_response": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
  "live_response": {"type": "object", "required": ["live"], "properties": {"live": {"type": "boolean"}}},
  "ready_response": {"type": "object", "required": ["ready"], "properties": {"ready": {"type": "boolean"}}},
  "model_ready_response": {"type": "object", "required": ["name", "ready"], "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}}},
  "empty_response": {"type": "object"},
  "metadata_server_response": {"type": "object", "required": ["name", "version", "extensions"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "extensions": {"type": "array", "items": {"type": "string"}}}},
  "metadata_model_response": {"type": "object", "required": ["name", "platform", "inputs", "outputs"], "properties": {"name": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}}, "platform": {"type": "string"}, "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/metadata_tensor"}}, "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/metadata_tensor"}}}},
  "metadata_tensor": metadata_tensor,
  "parameters": parameters_schema,
  "tensor_data": tensor_data,
  "inference_request": {"title": "inference_request", "type": "object", "required": ["inputs"],
     "x-examples": {"Example 1": {"id": "42", "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": [1, 2, 3, 4]}, {"name": "input1", "shape": [3], "datatype": "BOOL", "data": [True]}], "outputs": [{"name": "output0"}]}},
     "properties": {"id": {"type": "string"}, "parameters": {"$ref": "#/components/schemas/parameters"}, "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/request_input"}}, "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/request_output"}}}},
  "request_input": {"type": "object", "required": ["name", "shape", "datatype"], "properties": {"name": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}}, "datatype": {"type": "string", "enum": DATATYPES}, "parameters": {"$ref": "#/components/schemas/parameters"}, "data": {"$ref": "#/components/schemas/tensor_data"}}},
  "request_output": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "parameters": {"$ref": "#/components/schemas/parameters"}}},
  "response_output": {"type": "object", "required": ["name", "shape", "datatype"], "properties": {"name": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}}, "datatype": {"type": "string", "enum": DATATYPES}, "parameters": {"$ref": "#/components/schemas/parameters"}, "data": {"$ref": "#/components/schemas/tensor_data"}}},
  "inference_response": {"type": "object", "required": ["model_name", "outputs"], "properties": {"model_name": {"type": "string"}, "model_version": {"type": "string"}, "id": {"type": "string"}, "parameters": {"$ref": "#/components/schemas/parameters"}, "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/response_output"}}}},
  "model_config_response": {"type": "object", "required": ["name", "max_batch_size", "input", "output"], "properties": {"name": {"type": "string"}, "platform": {"type": "string"}, "backend": {"type": "string"}, "max_batch_size": {"type": "integer", "minimum": 0}, "input": {"type": "array", "items": config_tensor}, "output": {"type": "array", "items": config_tensor}}},
  "statistics_response": {"type": "object", "required": ["model_stats"], "properties": {"model_stats": {"type": "array", "items": {"type": "object", "required": ["name", "version", "last_inference", "inference_count", "execution_count", "inference_stats"], "properties": {
      "name": {"type": "string"}, "version": {"type": "string"}, "last_inference": {"type": "integer"}, "inference_count": {"type": "integer"}, "execution_count": {"type": "integer"},
      "inference_stats": {"type": "object", "required": ["success", "fail", "queue", "compute_input", "compute_infer", "compute_output"], "properties": {k: dur for k in ["success", "fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit", "cache_miss"]}},
      "batch_stats": {"type": "array", "items": {"type": "object", "required": ["batch_size"], "properties": {"batch_size": {"type": "integer"}, "compute_input": dur, "compute_infer": dur, "compute_output": dur}}}}}}}},
  "repository_index_request": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
  "repository_index_response": {"type": "array", "items": {"type": "object", "required": ["name", "state", "reason"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "state": {"type": "string", "enum": ["", "LOADING", "READY", "UNAVAILABLE"]}, "reason": {"type": "string"}}}},
  "repository_model_request": {"type": "object", "properties": {"parameters": {"$ref": "#/components/schemas/parameters"}}},
}
spec = {"openapi": "3.0.0", "info": {"title": "Data Plane", "version": "2.0", "description": "Open Inference Protocol (KServe v2) REST, as served by kfs-runtime", "license": {"name": "Apache 2.0"}}, "servers": [], "paths": paths, "components": {"schemas": schemas}}
class NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True
open("runtime/protocol/rest_predict_v2.yaml", "w").write(HEADER + yaml.dump(spec, Dumper=NoAliases, sort_keys=False, width=120, allow_unicode=True))
