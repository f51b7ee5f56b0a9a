/**
 * `npm run grpc-descriptor`: writes runtime/protocol/grpc-services.json, the gRPC services and
 * messages of the vendored .proto files as a protobufjs JSON descriptor. The server loads that
 * instead of parsing the .proto files at every start (about 70 ms of CPU at startup, more with
 * proto-loader's descriptor encoding). The .proto files stay the source of truth: a test
 * (test/runtime/server/grpc/grpc-descriptor.test.ts) regenerates the JSON and compares.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

export const PROTOCOL_DIR = path.resolve(__dirname, '..', 'runtime', 'protocol');
/** The .proto files the server serves, relative to PROTOCOL_DIR (imports are followed). */
export const SERVED_PROTOS: readonly string[] = ['grpc_service.proto', 'health.proto'];
export const DESCRIPTOR_FILE = path.join(PROTOCOL_DIR, 'grpc-services.json');

/**
 * The JSON descriptor of `protos` (found in `protocolDir`), as text. Field names are kept as in the
 * .proto (snake_case), as proto-loader's keepCase does, so messages match the REST JSON; comments
 * are dropped since nothing reads them at run time.
 */
export function grpcDescriptorJson(protocolDir: string = PROTOCOL_DIR, protos: readonly string[] = SERVED_PROTOS): string {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protocolDir, target));
  root.loadSync([...protos], { keepCase: true, alternateCommentMode: false });
  root.resolveAll();
  return `${JSON.stringify(root.toJSON({ keepComments: false }), null, 1)}\n`;
}

if (require.main === module) {
  writeFileSync(DESCRIPTOR_FILE, grpcDescriptorJson());
  process.stdout.write(`wrote ${path.relative(process.cwd(), DESCRIPTOR_FILE)}\n`);
}
