import * as ort from 'onnxruntime-node';
import { DATATYPES, datatypeFromOrtType, type TensorData } from '../codec/datatypes';
import type { Tensor, TensorMetadata } from '../codec/tensor';
import { ErrorKind, InferenceServerError } from '../errors';
import type { Model } from './model';
import type { SessionOptions } from './session-options';

/** A model served by an onnxruntime-node InferenceSession. */
export class OnnxModel implements Model {
  readonly platform = 'onnxruntime_onnx';

  /**
   * Creates the session and reads the model's signature.
   *
   * @throws Error with onnxruntime's reason when the file is not a loadable model, or when an
   * input/output has no v2 form (non-tensor values such as ZipMap, or types like int4).
   */
  static async load(
    name: string,
    file: string,
    version: string | undefined,
    options: SessionOptions = {},
    onFallback: (message: string) => void = () => {},
  ): Promise<OnnxModel> {
    const session = await createSession(file, options, onFallback);
    try {
      return new OnnxModel(
        name,
        version,
        file,
        session,
        session.inputMetadata.map((value) => tensorMetadata(value, 'input')),
        session.outputMetadata.map((value) => tensorMetadata(value, 'output')),
      );
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  private constructor(
    readonly name: string,
    readonly version: string | undefined,
    readonly path: string,
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorMetadata[],
    readonly outputs: readonly TensorMetadata[],
  ) {}

  /** Runs in progress; the session is released only when this is back to zero. */
  #inFlight = 0;
  #onDrained: (() => void) | undefined;
  #released: Promise<void> | undefined;

  async infer(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<Tensor[]> {
    if (this.#released !== undefined) {
      throw new InferenceServerError(ErrorKind.UNAVAILABLE, `model '${this.name}' is being unloaded`);
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of inputs) feeds[input.name] = toOrtTensor(input);
    this.#inFlight++;
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds, outputNames);
    } catch (error) {
      throw new InferenceServerError(
        ErrorKind.INTERNAL,
        `onnxruntime failed to run model '${this.name}': ${(error as Error).message}`,
      );
    } finally {
      if (--this.#inFlight === 0) this.#onDrained?.();
    }
    return outputNames.map((name) => fromOrtTensor(name, results[name] as ort.Tensor));
  }

  /** Refuses new runs, waits for the running ones, then frees the session; safe to call twice. */
  unload(): Promise<void> {
    this.#released ??= (async () => {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#onDrained = resolve));
      await this.session.release();
    })();
    return this.#released;
  }
}

/**
 * The session with the requested execution provider. CUDA needs onnxruntime's CUDA provider
 * library and a GPU; where either is missing, the model is served on the CPU rather than not at
 * all, and `onFallback` gets the reason.
 */
async function createSession(file: string, options: SessionOptions, onFallback: (message: string) => void): Promise<ort.InferenceSession> {
  // onnxruntime's session config entries (session.intra_op.allow_spinning, …) take '0' or '1'.
  const spinning = options.threadSpinning === true ? '1' : '0';
  const threading: ort.InferenceSession.SessionOptions = {
    ...(options.intraOpThreads === undefined ? {} : { intraOpNumThreads: options.intraOpThreads }),
    ...(options.interOpThreads === undefined ? {} : { interOpNumThreads: options.interOpThreads, executionMode: 'parallel' as const }),
    extra: { session: { intra_op: { allow_spinning: spinning }, inter_op: { allow_spinning: spinning } } },
  };
  if (options.executionProvider === 'cuda') {
    try {
      // 'cpu' after 'cuda' runs the operators CUDA has no kernel for, as onnxruntime recommends.
      return await ort.InferenceSession.create(file, { ...threading, executionProviders: ['cuda', 'cpu'] });
    } catch (error) {
      onFallback(`CUDA execution provider unavailable (${(error as Error).message}); falling back to CPU`);
    }
  }
  return ort.InferenceSession.create(file, { ...threading, executionProviders: ['cpu'] });
}

function tensorMetadata(value: ort.InferenceSession.ValueMetadata, role: 'input' | 'output'): TensorMetadata {
  if (!value.isTensor) {
    throw new Error(
      `${role} '${value.name}' is not a tensor (e.g. a sequence or map such as sklearn's ZipMap); ` +
        'export the model with plain tensor outputs (skl2onnx: zipmap=False)',
    );
  }
  const datatype = datatypeFromOrtType(value.type);
  if (datatype === undefined) {
    throw new Error(`${role} '${value.name}' has onnxruntime type '${value.type}', which has no v2 datatype`);
  }
  // Symbolic dimensions ("batch", or "" when unnamed) are the v2 protocol's -1.
  return { name: value.name, datatype, shape: value.shape.map((dim) => (typeof dim === 'number' ? dim : -1)) };
}

function ortTypeOf(input: Tensor): ort.Tensor.Type {
  const ortType = DATATYPES[input.datatype].ortType;
  if (ortType === undefined) {
    throw new InferenceServerError(ErrorKind.UNSUPPORTED, `datatype ${input.datatype} is not supported by onnxruntime-node`);
  }
  return ortType;
}

function toOrtTensor(input: Tensor): ort.Tensor {
  const tensor = new ort.Tensor(ortTypeOf(input), input.data, input.shape);
  if (input.datatype === 'FP16') {
    // Where Float16Array exists (Node 24), onnxruntime-common re-wraps our Uint16Array bit patterns
    // as a Float16Array, which onnxruntime-node 1.30's native binding reads as zero bytes ("not
    // enough space"). Handing back the Uint16Array view of the same memory is what it can read.
    (tensor as unknown as { cpuData: TensorData }).cpuData = input.data;
  }
  return tensor;
}

function fromOrtTensor(name: string, tensor: ort.Tensor): Tensor {
  const datatype = datatypeFromOrtType(tensor.type);
  if (datatype === undefined) {
    throw new InferenceServerError(ErrorKind.INTERNAL, `output '${name}' has onnxruntime type '${tensor.type}', which has no v2 datatype`);
  }
  let data = tensor.data as TensorData | Uint16Array;
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) {
    // The same re-wrapping on the way out; the codecs carry half floats as their bit patterns.
    const view = data as unknown as ArrayBufferView & { length: number };
    data = new Uint16Array(view.buffer, view.byteOffset, view.length);
  }
  return { name, datatype, shape: tensor.dims, data };
}
