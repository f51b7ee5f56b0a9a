import type { Datatype } from './datatypes';
import type { TensorMetadata } from './tensor';
import type { Model } from '../models/model';

/** Triton's `DataType` enum names (model_config.proto), by v2 datatype. */
const CONFIG_DATA_TYPE: Readonly<Record<Datatype, string>> = {
  BOOL: 'TYPE_BOOL',
  UINT8: 'TYPE_UINT8',
  UINT16: 'TYPE_UINT16',
  UINT32: 'TYPE_UINT32',
  UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8',
  INT16: 'TYPE_INT16',
  INT32: 'TYPE_INT32',
  INT64: 'TYPE_INT64',
  FP16: 'TYPE_FP16',
  FP32: 'TYPE_FP32',
  FP64: 'TYPE_FP64',
  BYTES: 'TYPE_STRING',
  BF16: 'TYPE_BF16',
};

/** A model input or output in Triton's `ModelInput`/`ModelOutput` form. */
export interface ConfigTensor {
  readonly name: string;
  readonly data_type: string;
  readonly dims: readonly number[];
}

/**
 * The model configuration extension's answer: the subset of Triton's `ModelConfig` that clients
 * read (perf_analyzer: `max_batch_size`, `input[]`, `output[]`; tritonclient examples:
 * `max_batch_size`). Field names are the proto's, so the same object serves REST JSON and the gRPC
 * message (the proto loader keeps field case).
 *
 * `max_batch_size` is 0 and `dims` are the full shapes: this server has no Triton-style batcher,
 * so a batch axis is simply the model's own first dimension (-1 where variable).
 */
export function modelConfig(model: Model) {
  return {
    name: model.name,
    platform: model.platform,
    backend: 'onnxruntime',
    version_policy: { latest: { num_versions: 1 } },
    max_batch_size: 0,
    input: model.inputs.map(configTensor),
    output: model.outputs.map(configTensor),
  };
}

function configTensor(tensor: TensorMetadata): ConfigTensor {
  return { name: tensor.name, data_type: CONFIG_DATA_TYPE[tensor.datatype], dims: tensor.shape };
}
