import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseControllerArgs, parseDuration } from '../../../runtime/src/cli/controller-args';
import { UsageError } from '../../../runtime/src/cli/usage';
import { parseControllerConfig } from '../../../runtime/src/controller/controller-config';
import { formatMemoryQuantity, parseMemoryQuantity } from '../../../runtime/src/controller/quantity';

const VALID = {
  inferenceServices: [{
    namespace: 'models', name: 'mms', modelConfigMap: 'modelconfig-mms-0', memoryLimit: '2Gi', frameworks: ['onnx'],
    url: 'http://mms.models.example.com/', clusterLocalUrl: 'http://mms.models.svc.cluster.local',
  }],
};

describe('controller configuration (what the ModelController construct writes)', () => {
  test('parses the construct\'s shape, with the memory limit in bytes and URLs without a trailing slash', () => {
    expect(parseControllerConfig(JSON.stringify(VALID), 'config.json').inferenceServices).toEqual([{
      ...VALID.inferenceServices[0], memoryLimitBytes: 2 * 2 ** 30, url: 'http://mms.models.example.com',
    }]);
  });

  test.each<[string, unknown, string]>([
    ['not JSON', '{', 'config.json: not JSON ('],
    ['no list', {}, "config.json: expected an object with an 'inferenceServices' array"],
    ['a missing field', { inferenceServices: [{ ...VALID.inferenceServices[0], modelConfigMap: undefined }] }, 'config.json: inferenceServices[0].modelConfigMap must be a non-empty string'],
    ['no frameworks', { inferenceServices: [{ ...VALID.inferenceServices[0], frameworks: [] }] }, 'config.json: inferenceServices[0].frameworks must be a non-empty list of format names'],
    ['a bad memory limit', { inferenceServices: [{ ...VALID.inferenceServices[0], memoryLimit: '2 GB' }] }, "config.json: inferenceServices[0].memoryLimit: memory '2 GB' is not a Kubernetes quantity; write it like 256Mi, 2Gi or 500M"],
    ['a duplicate', { inferenceServices: [VALID.inferenceServices[0], VALID.inferenceServices[0]] }, 'config.json: inferenceServices[1]: InferenceService models/mms is listed twice'],
  ])('rejects %s with a message naming the field', (_name, content, message) => {
    expect(() => parseControllerConfig(typeof content === 'string' ? content : JSON.stringify(content), 'config.json')).toThrow(message);
  });
});

describe('memory quantities', () => {
  test.each<[string | number, number]>([['256Mi', 256 * 2 ** 20], ['2Gi', 2 ** 31], ['1G', 1e9], ['500M', 5e8], ['1e3', 1000], [1024, 1024], ['1.5Gi', 1.5 * 2 ** 30], ['100k', 1e5]])('%p is %p bytes', (quantity, bytes) => {
    expect(parseMemoryQuantity(quantity)).toBe(bytes);
  });

  test('rejects what Kubernetes would not accept', () => {
    expect(() => parseMemoryQuantity('2GB')).toThrow("memory '2GB' is not a Kubernetes quantity; write it like 256Mi, 2Gi or 500M");
    expect(() => parseMemoryQuantity('-1Gi')).toThrow("memory '-1Gi' is negative");
  });

  test('formats bytes as the largest exact binary unit', () => {
    expect([2 ** 31, 1536 * 2 ** 20, 1536, 1000].map(formatMemoryQuantity)).toEqual(['2Gi', '1536Mi', '1536', '1000']);
  });
});

describe('kfs-runtime controller arguments', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kfs-controller-args-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(VALID));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('defaults follow client-go (15s lease, 10s renew deadline, 2s retry) and the pod\'s downward-API env', () => {
    const command = parseControllerArgs([`--config=${configFile}`], { POD_NAME: 'ctl-abc', POD_NAMESPACE: 'serving', KUBECONFIG: '/k' });
    expect(command).toMatchObject({
      help: false, leaseName: 'kfs-model-controller', leaseNamespace: 'serving', identity: 'ctl-abc', kubeconfigFile: '/k',
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, resyncPeriodMs: 60_000, workers: 4, healthHost: '0.0.0.0', logLevel: 'info',
    });
    expect(command.healthPort).toBeUndefined();
    expect(command.config?.inferenceServices[0].name).toBe('mms');
  });

  test('flags win over the environment', () => {
    expect(parseControllerArgs([`--config=${configFile}`, '--lease-namespace=ns', '--identity=me', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms', '--health-port=0', '--workers=2'], { POD_NAME: 'x', POD_NAMESPACE: 'y' }))
      .toMatchObject({ leaseNamespace: 'ns', identity: 'me', leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500, healthPort: 0, workers: 2 });
  });

  test.each<[string[], string]>([
    [[], '--config is required: the controller configuration file (written by the ModelController construct)'],
    [['--config=/nonexistent.json'], "--config: cannot read '/nonexistent.json': ENOENT: no such file or directory, open '/nonexistent.json'"],
    [['--lease-duration=10s', '--renew-deadline=10s'], '--renew-deadline (10000ms) must be shorter than --lease-duration (10000ms)'],
    [['--renew-deadline=2s', '--retry-period=2s'], '--retry-period (2000ms) must be shorter than --renew-deadline (2000ms)'],
    [['--resync-period=often'], "--resync-period must be a duration like 500ms, 15s or 2m, got 'often'"],
    [['--workers=0'], "--workers must be a whole number from 1 to 9007199254740991, got '0'"],
    [['--log-level=loud'], "--log-level must be one of debug, info, warn, error, silent, got 'loud'"],
    [['--leader'], "unknown option '--leader'"],
  ])('%p fails with a message naming the flag', (args, message) => {
    let thrown: unknown;
    try {
      parseControllerArgs(args.includes('--config=/nonexistent.json') || args.length === 0 ? args : [`--config=${configFile}`, ...args], {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(message);
  });

  test('durations', () => {
    expect(['500ms', '15s', '2m', '1h', '1.5s'].map((value) => parseDuration('--d', value))).toEqual([500, 15_000, 120_000, 3_600_000, 1500]);
    expect(() => parseDuration('--d', '0s')).toThrow("--d must be longer than zero, got '0s'");
  });
});
