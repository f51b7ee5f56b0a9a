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
}
