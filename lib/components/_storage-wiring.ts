import * as kserve from '../_kserve';
import { propError, quote } from '../_validation';
import { StorageCredentialsKind } from '../model/storage-credentials';
import { StorageScheme, StorageUri } from '../model/storage-uri';
import { ComponentContext } from './_resolve';
import { ResolvedEnvVar, ResolvedVolume, ResolvedVolumeMount } from './_resolved';

/**
 * What a StorageUri adds to the container that pulls the model (kfs-runtime itself, or KServe's
 * storage-initializer): KServe's environment variables, with credentials only as Secret references,
 * and the Secret volume of a GCS key file.
 * @internal
 */
export interface StorageWiring {
  readonly env: ResolvedEnvVar[];
  readonly volumes: ResolvedVolume[];
  readonly mounts: ResolvedVolumeMount[];
}

const NO_WIRING: StorageWiring = { env: [], volumes: [], mounts: [] };

/** Resolves the credential and endpoint wiring of a model's StorageUri (see KServe `pkg/credentials`). */
export function resolveStorageWiring(ctx: ComponentContext, prop: string, uri: StorageUri, serviceAccountName: string | undefined): StorageWiring {
  const credentials = uri.credentials;
  if (credentials?.kind === StorageCredentialsKind.SERVICE_ACCOUNT && serviceAccountName === undefined) {
    throw propError(ctx.owner, 'predictor.serviceAccountName', undefined,
      `is not set, but ${prop} (${quote(uri.uri)}) takes its credentials from the pod's ServiceAccount`,
      'set predictor.serviceAccountName to the ServiceAccount bound to the cloud role (EKS IRSA, GKE Workload Identity)');
  }
  switch (uri.scheme) {
    case StorageScheme.S3: return s3Wiring(uri);
    case StorageScheme.GCS: return gcsWiring(uri);
    case StorageScheme.HTTPS:
    case StorageScheme.HTTP: return httpWiring(uri);
    default: return NO_WIRING;
  }
}

function s3Wiring(uri: StorageUri): StorageWiring {
  const env: ResolvedEnvVar[] = [];
  const options = uri.s3Options ?? {};
  if (options.endpoint !== undefined) {
    env.push({ name: kserve.ENV_S3_ENDPOINT_URL, value: options.endpoint });
    env.push({ name: kserve.ENV_S3_USE_HTTPS, value: options.endpoint.startsWith('https:') ? '1' : '0' });
  }
  if (options.region !== undefined) env.push({ name: kserve.ENV_S3_REGION, value: options.region });
  if (options.verifySsl !== undefined) env.push({ name: kserve.ENV_S3_VERIFY_SSL, value: options.verifySsl ? '1' : '0' });
  if (options.virtualHostedStyle !== undefined) env.push({ name: kserve.ENV_S3_VIRTUAL_BUCKET, value: options.virtualHostedStyle ? '1' : '0' });
  const credentials = uri.credentials;
  if (credentials?.kind === StorageCredentialsKind.S3_SECRET) {
    env.push(secretEnv(kserve.ENV_S3_ACCESS_KEY_ID, credentials.secretName!, credentials.accessKeyIdKey!));
    env.push(secretEnv(kserve.ENV_S3_SECRET_ACCESS_KEY, credentials.secretName!, credentials.secretAccessKeyKey!));
  } else if (credentials?.kind === StorageCredentialsKind.ANONYMOUS) {
    env.push({ name: kserve.ENV_S3_ANONYMOUS, value: 'true' });
  }
  return { env, volumes: [], mounts: [] };
}

function gcsWiring(uri: StorageUri): StorageWiring {
  const credentials = uri.credentials;
  if (credentials?.kind === StorageCredentialsKind.SERVICE_ACCOUNT) {
    // Workload Identity: kfs-runtime gets the pod's Google token from the metadata server.
    return { env: [{ name: kserve.ENV_GCE_METADATA_HOST, value: kserve.GCE_METADATA_HOST }], volumes: [], mounts: [] };
  }
  if (credentials?.kind !== StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY_SECRET) return NO_WIRING;
  return {
    env: [{ name: kserve.ENV_GCS_CREDENTIALS_FILE, value: `${kserve.GCS_CREDENTIALS_MOUNT_PATH}/${credentials.secretKey}` }],
    volumes: [{ name: kserve.GCS_CREDENTIALS_VOLUME_NAME, secret: { secretName: credentials.secretName!, items: [{ key: credentials.secretKey!, path: credentials.secretKey! }] } }],
    mounts: [{ name: kserve.GCS_CREDENTIALS_VOLUME_NAME, mountPath: kserve.GCS_CREDENTIALS_MOUNT_PATH, readOnly: true }],
  };
}

function httpWiring(uri: StorageUri): StorageWiring {
  const credentials = uri.credentials;
  if (credentials?.kind !== StorageCredentialsKind.HTTP_HEADERS_SECRET) return NO_WIRING;
  const hostname = new URL(uri.uri).hostname;
  return { env: [secretEnv(`${hostname}${kserve.ENV_HTTP_HEADERS_SUFFIX}`, credentials.secretName!, credentials.secretKey!)], volumes: [], mounts: [] };
}

function secretEnv(name: string, secretName: string, key: string): ResolvedEnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}
