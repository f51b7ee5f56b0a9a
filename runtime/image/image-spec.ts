/**
 * What the image looks like from outside: paths, user, environment, ports, labels. Shared by the
 * build, the tests and the benchmark so they check the same thing the build wrote.
 */

/** The archive's and the SBOM's names in the build's output folder (dist/image). */
export const ARCHIVE_NAME = 'kfs-runtime.oci.tar';
export const SBOM_NAME = 'kfs-runtime.cdx.json';

/** The non-root user and group (distroless' `nonroot`): Kubernetes' runAsNonRoot needs a numeric USER. */
export const IMAGE_UID = 65532;
export const IMAGE_GID = 65532;
export const IMAGE_USER_NAME = 'nonroot';
export const IMAGE_HOME = '/home/nonroot';

export const NODE_PATH = '/usr/bin/node';
export const APP_DIR = '/app';
/** The entry point: code-cache-loader.ts, which runs the server bundle from its V8 code cache. */
export const LOADER_PATH = `${APP_DIR}/kfs-runtime.cjs`;
/** The bundled server (runnable on its own too: `node /app/server.cjs`). */
export const SERVER_BUNDLE_PATH = `${APP_DIR}/server.cjs`;
/** `kfs-runtime controller`'s code (the Kubernetes client), loaded only by that command. */
export const CONTROLLER_BUNDLE_PATH = `${APP_DIR}/controller.cjs`;
/** V8 code cache for the server bundle, written at build time after a warm-up request. */
export const CODE_CACHE_PATH = `${SERVER_BUNDLE_PATH}.v8cache`;
export const SHARED_LIBRARY_DIR = '/lib/x86_64-linux-gnu';
export const CA_BUNDLE_PATH = '/etc/ssl/certs/ca-certificates.crt';
export const SBOM_PATH = '/usr/share/doc/kfs-runtime/sbom.cdx.json';
/** Licence texts of everything shipped, one folder per component. */
export const LICENSES_DIR = '/usr/share/doc';
/** Where KServe's storage initializer and PVC sources put the model (lib/_kserve.ts MODEL_MOUNT_PATH). */
export const MODEL_MOUNT_PATH = '/mnt/models';

export const ENTRYPOINT: readonly string[] = [NODE_PATH, LOADER_PATH];
/** Without arguments the image prints its usage; predictors pass `serve …` as args. */
export const DEFAULT_CMD: readonly string[] = ['--help'];
export const HTTP_PORT = 8080;
export const GRPC_PORT = 8081;
/** Prometheus /metrics (kfs-runtime serve --metrics-port). */
export const METRICS_PORT = 8082;
export const EXPOSED_PORTS: readonly string[] = [`${HTTP_PORT}/tcp`, `${GRPC_PORT}/tcp`, `${METRICS_PORT}/tcp`];

/** The image's environment, in this order. */
export const IMAGE_ENV: readonly (readonly [string, string])[] = [
  ['PATH', '/usr/bin'],
  ['NODE_ENV', 'production'],
  // Keeps onnxruntime's telemetry off; builds that have it probe the machine at start (blkid, hostname).
  ['ORT_DISABLE_TELEMETRY', '1'],
  // For TLS clients that read the system store (node --use-openssl-ca or --use-system-ca).
  ['SSL_CERT_FILE', CA_BUNDLE_PATH],
];

/** Where the project lives (org.opencontainers.image.source). */
export const SOURCE_URL = 'https://github.com/cdk8s-kfserving/cdk8s-kfserving';
export const IMAGE_TITLE = 'kfs-runtime';
export const IMAGE_DESCRIPTION = 'The cdk8s-kfserving model server (Open Inference Protocol over onnxruntime), built from scratch: Node.js, onnxruntime and glibc only; no shell.';

/** What identifies one build: the runtime version and the commit it was built from. */
export interface ImageProvenance {
  readonly version: string;
  /** Commit hash, with `-dirty` when the tree had uncommitted changes. */
  readonly revision: string;
  /** Seconds since the epoch: the commit time, used for every timestamp in the image. */
  readonly sourceDateEpoch: number;
  /** SPDX licence of kfs-runtime itself. */
  readonly license: string;
}

/** The image's OCI annotations-as-labels (https://github.com/opencontainers/image-spec/blob/main/annotations.md). */
export function imageLabels(provenance: ImageProvenance): Record<string, string> {
  return {
    'org.opencontainers.image.created': isoSeconds(provenance.sourceDateEpoch),
    'org.opencontainers.image.description': IMAGE_DESCRIPTION,
    'org.opencontainers.image.licenses': provenance.license,
    'org.opencontainers.image.revision': provenance.revision,
    'org.opencontainers.image.source': SOURCE_URL,
    'org.opencontainers.image.title': IMAGE_TITLE,
    'org.opencontainers.image.version': provenance.version,
  };
}

/** RFC 3339 time without fractions, as image configs write it: `2026-01-02T03:04:05Z`. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
