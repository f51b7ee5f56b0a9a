import { pathToFileURL } from 'node:url';
import { parseServeArgs } from '../../../runtime/src/cli/serve-args';
import { UsageError } from '../../../runtime/src/cli/usage';

const CWD = '/srv/app';

function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  return parseServeArgs(args, env, CWD);
}

function optionsOf(args: string[], env: NodeJS.ProcessEnv = {}) {
  const command = parse(args, env);
  if (command.help) throw new Error('expected options, got help');
  return command.options;
}

function expectUsageError(args: string[], message: string, env: NodeJS.ProcessEnv = {}): void {
  let thrown: unknown;
  try {
    parse(args, env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UsageError);
  expect((thrown as UsageError).message).toBe(message);
}

describe('parseServeArgs', () => {
  it('reads repeated --model NAME=PATH, resolving relative paths against the working directory', () => {
    expect(optionsOf(['--model', 'iris=models/iris', '--model=mlp=/mnt/models/mlp'])).toEqual({
      models: [
        { name: 'iris', uri: '/srv/app/models/iris' },
        { name: 'mlp', uri: '/mnt/models/mlp' },
      ],
      storage: { env: {} },
      metricsPort: 8082,
    });
  });

  it('keeps file:// URIs as given', () => {
    const uri = pathToFileURL('/mnt/models/iris').href;
    expect(optionsOf(['--model', `iris=${uri}`]).models).toEqual([{ name: 'iris', uri }]);
  });

  it.each([
    [['--http-port', '9000']],
    [['--http-port=9000']],
    [['--http_port', '9000']],
    [['--http_port=9000']],
  ])('reads the HTTP port from %p', (flags) => {
    expect(optionsOf(['--model', 'iris=m', ...flags]).httpPort).toBe(9000);
  });

  it('leaves host and port to their defaults when not given', () => {
    const options = optionsOf(['--model', 'iris=m']);
    expect(options).not.toHaveProperty('httpPort');
    expect(options).not.toHaveProperty('host');
  });

  it('reads --host and --http-max-input-size', () => {
    expect(optionsOf(['--model', 'iris=m', '--host', '127.0.0.1', '--http-max-input-size', '1048576'])).toMatchObject({
      host: '127.0.0.1',
      bodyLimitBytes: 1048576,
    });
  });

  it.each([
    [['--model-name', 'iris', '--model-dir', '/mnt/models']],
    [['--model_name=iris', '--model_dir=/mnt/models']],
  ])('treats KServe-style %p as one --model', (flags) => {
    expect(optionsOf(flags).models).toEqual([{ name: 'iris', uri: '/mnt/models' }]);
  });

  it('multi-model mode: --model-config alone starts with no model of its own, the file resolved against the working directory', () => {
    expect(optionsOf(['--model-config', 'configs/models.json'])).toMatchObject({ models: [], modelConfigFile: '/srv/app/configs/models.json' });
    expect(optionsOf(['--model-config=/mnt/configs/models.json', '--http-port=8080'])).toMatchObject({ models: [], modelConfigFile: '/mnt/configs/models.json', httpPort: 8080 });
  });

  it("names a lone --model_dir 'model', KServe's default", () => {
    expect(optionsOf(['--model_dir', '/mnt/models']).models).toEqual([{ name: 'model', uri: '/mnt/models' }]);
  });

  it('reads KFS_HTTP_PORT and KFS_MODELS from the environment', () => {
    const env = { KFS_HTTP_PORT: '8081', KFS_MODELS: 'iris=models/iris, mlp=/m/mlp,' };
    expect(optionsOf([], env)).toEqual({
      models: [
        { name: 'iris', uri: '/srv/app/models/iris' },
        { name: 'mlp', uri: '/m/mlp' },
      ],
      httpPort: 8081,
      storage: { env },
      metricsPort: 8082,
    });
  });

  it('lets flags win over the environment', () => {
    const env = { KFS_HTTP_PORT: '8081', KFS_MODELS: 'mlp=b' };
    const options = optionsOf(['--model', 'iris=a', '--http-port', '9000'], env);
    expect(options).toEqual({ models: [{ name: 'iris', uri: '/srv/app/a' }], httpPort: 9000, storage: { env }, metricsPort: 8082 });
  });

  it('accepts every storage scheme and keeps remote URIs as given', () => {
    const uris = ['s3://models/iris/1', 'gs://models/iris', 'https://models.example.com/iris.tar.gz', 'http://store.local/m.onnx', 'pvc://model-store/iris'];
    expect(optionsOf(uris.flatMap((uri, index) => ['--model', `m${index}=${uri}`])).models.map((model) => model.uri)).toEqual(uris);
  });

  it('reads the storage flags, resolving paths against the working directory, and passes the environment for credentials', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' };
    const flags = ['--model-cache-dir', 'cache', '--storage-concurrency', '16', '--storage-max-attempts', '3', '--storage-ca-bundle', 'ca.pem', '--max-unpacked-size', '1000', '--pvc-mount-root', '/mnt/claims'];
    expect(optionsOf(['--model', 'iris=m', ...flags], env).storage).toEqual({
      env,
      cacheDir: '/srv/app/cache',
      concurrency: 16,
      maxAttempts: 3,
      caBundleFile: '/srv/app/ca.pem',
      maxUnpackedBytes: 1000,
      pvcMountRoot: '/mnt/claims',
    });
  });

  it('reads the storage settings from KFS_* variables when no flag is given', () => {
    const env = { KFS_MODEL_CACHE_DIR: '/c', KFS_STORAGE_CONCURRENCY: '2', KFS_STORAGE_MAX_ATTEMPTS: '1', KFS_STORAGE_CA_BUNDLE: '/ca.pem', KFS_MAX_UNPACKED_BYTES: '5', KFS_PVC_MOUNT_ROOT: '/p' };
    expect(optionsOf(['--model', 'iris=m', '--storage-concurrency', '4'], env).storage).toEqual({
      env,
      cacheDir: '/c',
      concurrency: 4,
      maxAttempts: 1,
      caBundleFile: '/ca.pem',
      maxUnpackedBytes: 5,
      pvcMountRoot: '/p',
    });
  });

  it('asks for help with --help or -h', () => {
    expect(parse(['--help'])).toEqual({ help: true });
    expect(parse(['-h'])).toEqual({ help: true });
  });

  it.each<[string[], string]>([
    [['--model', 'iris=m', '--port', '1'], "unknown option '--port'"],
    [['--model', 'iris=m', '--port=1'], "unknown option '--port'"],
    [['--model', 'iris=m', 'extra'], "unexpected argument 'extra'; serve takes only options"],
    [['--model'], "Option '--model <value>' argument missing"],
    [[], 'no model to serve: give --model NAME=PATH_OR_URI (or --model-dir, or KFS_MODELS, or --model-repository, or --model-config)'],
    [['--model', 'iris'], "--model expects NAME=PATH_OR_URI, got 'iris'"],
    [['--model', '=m'], "--model expects NAME=PATH_OR_URI, got '=m'"],
    [['--model', 'iris='], "--model expects NAME=PATH_OR_URI, got 'iris='"],
    [['--model', 'a/b=m'], "--model: invalid model name 'a/b': use letters, digits, '_', '.' and '-', starting with a letter or digit"],
    [['--model', 'iris=a', '--model', 'iris=b'], "model 'iris' is given more than once"],
    [['--model', 'iris=hf://org/model'], "--model: storage scheme 'hf' is not supported (model URI 'hf://org/model'); use one of s3://, gs://, https://, http://, pvc://, file:// or a local path"],
    [['--model', 'iris=s3://bucket/a/../b'], "--model: invalid model URI 's3://bucket/a/../b': the key prefix contains a '..' segment; use the model's canonical path"],
    [['--model', 'iris=m', '--storage-concurrency', '0'], "--storage-concurrency must be a whole number from 1 to 1000, got '0'"],
    [['--model', 'iris=m', '--storage-max-attempts', 'many'], "--storage-max-attempts must be a whole number from 1 to 1000, got 'many'"],
    [['--model', 'iris=m', '--http-port', 'http'], "--http-port must be a port number from 0 to 65535, got 'http'"],
    [['--model', 'iris=m', '--http_port', '65536'], "--http_port must be a port number from 0 to 65535, got '65536'"],
    [['--model', 'iris=m', '--http-port', '1', '--http_port', '2'], '--http-port and --http_port are the same option; give it once'],
    [['--model-name', 'iris'], '--model-name needs --model-dir (the model\'s path or URI)'],
    [['--model', 'iris=m', '--http-max-input-size', '0'], "--http-max-input-size must be a positive whole number of bytes, got '0'"],
  ])('rejects %p', (args, message) => {
    expectUsageError(args, message);
  });

  it('names the environment variable in its errors', () => {
    expectUsageError([], "KFS_HTTP_PORT must be a port number from 0 to 65535, got '-1'", { KFS_HTTP_PORT: '-1', KFS_MODELS: 'iris=m' });
    expectUsageError([], "KFS_MODELS expects NAME=PATH_OR_URI, got 'iris'", { KFS_MODELS: 'iris' });
  });
});
