/** A command-line mistake: printed with a pointer to --help, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const MAIN_USAGE = `Usage: kfs-runtime <command> [options]

Commands:
  serve     Serve ONNX models over the Open Inference Protocol (KServe v2) REST API

Run 'kfs-runtime <command> --help' for the options of a command.
`;

export const SERVE_USAGE = `Usage: kfs-runtime serve [options]

Serve ONNX models over the Open Inference Protocol (KServe v2) REST API.

Options:
  --model NAME=PATH_OR_URI    A model to load; repeat for more. PATH_OR_URI is a local path or a
                              file:// URI to an .onnx file, a folder with model.onnx, or a folder of
                              numeric version folders (<version>/model.onnx; the highest wins).
  --model-name NAME           One model, KServe custom-runtime style: --model-name with --model-dir
  --model-dir PATH_OR_URI     is the same as --model NAME=PATH_OR_URI (NAME defaults to 'model').
  --http-port N               HTTP port (default 8080; 0 picks a free port).
  --host ADDRESS              Address to listen on (default 0.0.0.0).
  --http-max-input-size N     Largest request body in bytes (default 67108864, 64 MiB).
  -h, --help                  Show this help.

  KServe's spellings --http_port, --model_name and --model_dir are accepted too, as is --flag=value.

Environment (flags take precedence):
  KFS_HTTP_PORT               Same as --http-port.
  KFS_MODELS                  Comma-separated NAME=PATH_OR_URI list, used when no model flag is given.

The server is ready (GET /v2/health/ready) once every model has loaded; it stops gracefully on
SIGTERM or SIGINT.
`;
