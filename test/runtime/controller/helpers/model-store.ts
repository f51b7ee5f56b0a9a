import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IRIS_DIR } from '../../helpers/paths';

/** Where the test's models live, and the URIs TrainedModels use for them. */
export interface ModelStore {
  /** Stores the iris model under `key` as version `version` (`<key>/<version>/model.onnx`); returns its storage URI. */
  putIris(key: string, version: number): Promise<string>;
  /** Environment the model servers need to pull from it. */
  env(): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** TEMPORARY until the storage issue's S3 pulls land: model folders on local disk. */
export class LocalFolderModelStore implements ModelStore {
  readonly #dir = mkdtempSync(path.join(tmpdir(), 'kfs-model-store-'));

  async putIris(key: string, version: number): Promise<string> {
    const folder = path.join(this.#dir, key, String(version));
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'model.onnx'), readFileSync(path.join(IRIS_DIR, '1', 'model.onnx')));
    return path.join(this.#dir, key);
  }

  env(): NodeJS.ProcessEnv {
    return {};
  }

  async stop(): Promise<void> {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
