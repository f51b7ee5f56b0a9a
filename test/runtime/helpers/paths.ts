import * as path from 'node:path';

/** Repository root, for paths to the generated models and the CLI entry. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const MODELS_DIR = path.join(REPO_ROOT, 'models');
export const IRIS_DIR = path.join(MODELS_DIR, 'iris');
export const IRIS_FILE = path.join(IRIS_DIR, '1', 'model.onnx');
export const MLP_DIR = path.join(MODELS_DIR, 'mlp');
export const IDENTITY_DIR = path.join(MODELS_DIR, 'identity');
export const HALF_DIR = path.join(MODELS_DIR, 'half');
export const LOOKUP_DIR = path.join(MODELS_DIR, 'lookup');
export const FIXED_DIR = path.join(MODELS_DIR, 'fixed');
