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

  it("names a lone --model_dir 'model', KServe's default", () => {
    expect(optionsOf(['--model_dir', '/mnt/models']).models).toEqual([{ name: 'model', uri: '/mnt/models' }]);
  });

  it('reads KFS_HTTP_PORT and KFS_MODELS from the environment', () => {
    expect(optionsOf([], { KFS_HTTP_PORT: '8081', KFS_MODELS: 'iris=models/iris, mlp=/m/mlp,' })).toEqual({
      models: [
        { name: 'iris', uri: '/srv/app/models/iris' },
        { name: 'mlp', uri: '/m/mlp' },
      ],
      httpPort: 8081,
    });
  });

  it('lets flags win over the environment', () => {
    const options = optionsOf(['--model', 'iris=a', '--http-port', '9000'], { KFS_HTTP_PORT: '8081', KFS_MODELS: 'mlp=b' });
    expect(options).toEqual({ models: [{ name: 'iris', uri: '/srv/app/a' }], httpPort: 9000 });
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
    [[], 'no model to serve: give --model NAME=PATH_OR_URI (or --model-dir, or KFS_MODELS, or --model-repository)'],
    [['--model', 'iris'], "--model expects NAME=PATH_OR_URI, got 'iris'"],
    [['--model', '=m'], "--model expects NAME=PATH_OR_URI, got '=m'"],
    [['--model', 'iris='], "--model expects NAME=PATH_OR_URI, got 'iris='"],
    [['--model', 'a/b=m'], "--model: invalid model name 'a/b': use letters, digits, '_', '.' and '-', starting with a letter or digit"],
    [['--model', 'iris=a', '--model', 'iris=b'], "model 'iris' is given more than once"],
    [['--model', 'iris=s3://bucket/iris'], "--model: storage scheme 's3' is not supported by this build yet (model URI 's3://bucket/iris'); use a local path or a file:// URI"],
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
