/** A command-line mistake: printed with a pointer to --help, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const MAIN_USAGE = `Usage: kfs-runtime <command> [options]

Commands:
  serve     Serve ONNX models over the Open Inference Protocol (KServe v2: REST and gRPC) and KServe v1

Run 'kfs-runtime <command> --help' for the options of a command.
`;

export const SERVE_USAGE = `Usage: kfs-runtime serve [options]

Serve ONNX models over the Open Inference Protocol (KServe v2) on REST and gRPC, with the binary
tensor data, model repository, model configuration and statistics extensions, and KServe's v1 REST
protocol (/v1/models/NAME:predict).

Options:
  --model NAME=PATH_OR_URI    A model to load; repeat for more. PATH_OR_URI is a local path or a
                              file:// URI to an .onnx file, a folder with model.onnx, or a folder of
                              numeric version folders (<version>/model.onnx; the highest wins).
  --model-name NAME           One model, KServe custom-runtime style: --model-name with --model-dir
  --model-dir PATH_OR_URI     is the same as --model NAME=PATH_OR_URI (NAME defaults to 'model').
  --model-repository PATH_OR_URI
                              Folder whose subfolders are models that POST /v2/repository/models/NAME/load
                              (or gRPC RepositoryModelLoad) loads by name. With it, no --model is needed.
  --http-port N               HTTP port (default 8080; 0 picks a free port).
  --grpc-port N               gRPC port (default 8081; 0 picks a free port).
  --host ADDRESS              Address to listen on, HTTP and gRPC (default 0.0.0.0).
  --http-max-input-size N     Largest request body in bytes (default 67108864, 64 MiB).
  --grpc-max-message-size N   Largest gRPC message, received or sent, in bytes (default 67108864).
  --explainer-url URL         Relay POST /v1/models/NAME:explain to URL/v1/models/NAME:explain
                              (an explainer server); without it :explain answers 404.
  -h, --help                  Show this help.

  KServe's spellings --http_port, --grpc_port, --model_name, --model_dir and --model_repository are
  accepted too, as is --flag=value.

Environment (flags take precedence):
  KFS_HTTP_PORT               Same as --http-port.
  KFS_GRPC_PORT               Same as --grpc-port.
  KFS_MODELS                  Comma-separated NAME=PATH_OR_URI list, used when no model flag is given.

The server is ready (GET /v2/health/ready) once every startup model has loaded; it stops gracefully on
SIGTERM or SIGINT.
`;
