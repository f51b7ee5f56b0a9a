import { KubeTools, KubeToolsMissingError, findKubeTools } from './kube-tools';

/**
 * `describe` for tests that need the real kube-apiserver and etcd. Without the binaries:
 * - in CI (`CI` set and not `false`/`0`) the block fails with the build command: CI must never
 *   pass by skipping the real-cluster tests;
 * - locally it is skipped, and says why and how to build them.
 */
export function describeWithKubeTools(name: string, body: (tools: KubeTools) => void): void {
  let tools: KubeTools;
  try {
    tools = findKubeTools();
  } catch (error) {
    if (!(error instanceof KubeToolsMissingError)) throw error;
    if (runningInCi()) {
      describe(name, () => {
        test('kube-apiserver and etcd are built (CI runs the real-cluster tests, never skips them)', () => {
          throw error;
        });
      });
      return;
    }
    process.stderr.write(`skipping '${name}': ${error.message}\n`);
    describe.skip(name, () => {
      test(`skipped: ${error.message}`, () => undefined);
    });
    return;
  }
  describe(name, () => body(tools));
}

function runningInCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}
