import { InferenceServiceProps, ModelFormat, PredictorProps, StorageUri } from '../../../lib';

/** The model as deployed today, and the model being rolled out. */
export const v1: PredictorProps = { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') } };
export const v2: PredictorProps = { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/2') } };

export const transformer = { container: { image: 'registry.example.com/iris-transformer:1.0' } };
export const transformerV2 = { container: { image: 'registry.example.com/iris-transformer:2.0' } };
export const explainer = { container: { image: 'registry.example.com/iris-explainer:1.0' } };
export const explainerV2 = { container: { image: 'registry.example.com/iris-explainer:2.0' } };

/** Props for an InferenceService with only a predictor. */
export function predictorOnly(predictor: PredictorProps = v1): InferenceServiceProps {
  return { predictor };
}
