/** onnxruntime execution providers kfs-runtime can ask for. */
export type ExecutionProvider = 'cpu' | 'cuda';

export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda'];

/** How onnxruntime sessions are created: execution provider and threading. */
export interface SessionOptions {
  /**
   * `cuda` runs on the GPU where onnxruntime's CUDA provider and a GPU are present, and falls back
   * to the CPU (with a log line saying why) where they are not.
   * @default 'cpu'
   */
  readonly executionProvider?: ExecutionProvider;
  /**
   * Threads one operator may use (onnxruntime's intra-op pool).
   * @default - onnxruntime's choice: one per physical core
   */
  readonly intraOpThreads?: number;
  /**
   * Threads running independent operators at once (only with a parallel execution mode).
   * @default - onnxruntime's choice
   */
  readonly interOpThreads?: number;
  /**
   * Whether onnxruntime's pool threads busy-wait for the next operator instead of sleeping. Spinning
   * can shave latency off multi-threaded operators on dedicated cores; in a shared container it burns
   * CPU the pod is billed and throttled for, also while idle (measured: ~35 ms of CPU per pool thread
   * during startup and first inference of iris, and more every second after).
   * @default false
   */
  readonly threadSpinning?: boolean;
}
