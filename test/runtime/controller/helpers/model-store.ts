import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IRIS_DIR } from '../../helpers/paths';
import { S3TestServer } from '../../helpers/s3-server';

const BUCKET = 'models';

/**
 * The models of the multi-model tests, in a real S3 server (s3rver on 127.0.0.1, the storage tests'
 * helper); the replicas pull them with KServe's AWS_* variables, as in a cluster.
 */
export class S3ModelStore {
  readonly #iris = readFileSync(path.join(IRIS_DIR, '1', 'model.onnx'));

  private constructor(readonly server: S3TestServer, private readonly client: S3Client) {}

  static async start(): Promise<S3ModelStore> {
    const server = await S3TestServer.start();
    await server.createBucket(BUCKET);
    return new S3ModelStore(server, server.client());
  }

  /** Stores the iris model as `<key>/<version>/model.onnx`; returns the TrainedModel storage URI. */
  async putIris(key: string, version: number): Promise<string> {
    await this.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}/${version}/model.onnx`, Body: this.#iris }));
    return `s3://${BUCKET}/${key}`;
  }

  /** What the model servers need to pull from it (endpoint and credentials). */
  env(): NodeJS.ProcessEnv {
    return this.server.env();
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.server.stop();
  }
}
