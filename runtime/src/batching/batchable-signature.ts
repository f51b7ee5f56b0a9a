import { formatShape, type ModelSignature } from '../codec/tensor';

/**
 * Why a model cannot be batched, or undefined when it can: merging requests along the first
 * dimension, and splitting the outputs back by row, needs every input and output to have a
 * variable first dimension.
 */
export function whyNotBatchable(model: ModelSignature): string | undefined {
  for (const [role, tensors] of [['input', model.inputs], ['output', model.outputs]] as const) {
    for (const tensor of tensors) {
      if (tensor.shape.length === 0 || tensor.shape[0] !== -1) {
        return (
          `dynamic batching needs a variable first (batch) dimension on every input and output, but ${role} ` +
          `'${tensor.name}' of model '${model.name}' has shape ${formatShape(tensor.shape)}; export the model with a ` +
          'dynamic batch axis, or serve it without --max-batch-size'
        );
      }
    }
  }
  return undefined;
}
