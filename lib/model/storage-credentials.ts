import { ValidationError, quote } from '../_validation';

/** Where a model's storage credentials come from. There is deliberately no "literal value" kind. */
export enum StorageCredentialsKind {
  /** An S3 access key pair in a Kubernetes Secret, passed as `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. */
  S3_SECRET = 's3-secret',
  /** A GCS service-account key file in a Secret, mounted and named by `GOOGLE_APPLICATION_CREDENTIALS`. */
  GCS_SERVICE_ACCOUNT_KEY_SECRET = 'gcs-service-account-key-secret',
  /** Extra HTTP headers (e.g. Authorization) in a Secret, passed as KServe's `<host>-headers`. */
  HTTP_HEADERS_SECRET = 'http-headers-secret',
  /** The pod's Kubernetes ServiceAccount, bound to a cloud role (EKS IRSA, GKE Workload Identity). */
  SERVICE_ACCOUNT = 'service-account',
  /** No credentials: a public bucket or file. */
  ANONYMOUS = 'anonymous',
}

/** Secret data keys of an S3 credentials Secret. */
export interface S3SecretKeys {
  /**
   * Data key holding the access key ID.
   * @default 'AWS_ACCESS_KEY_ID' (KServe's default)
   */
  readonly accessKeyIdKey?: string;
  /**
   * Data key holding the secret access key.
   * @default 'AWS_SECRET_ACCESS_KEY' (KServe's default)
   */
  readonly secretAccessKeyKey?: string;
}

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Credentials for a `StorageUri`, always by reference: a Kubernetes Secret or the pod's
 * ServiceAccount. The synthesized manifests name the Secret and its keys, never a credential value.
 *
 * ```ts
 * StorageUri.s3('models', 'iris/1', { credentials: StorageCredentials.fromS3Secret('s3-credentials') })
 * ```
 */
export class StorageCredentials {
  /**
   * An S3 access key pair stored in a Secret (e.g. created by External Secrets or `kubectl create secret`).
   * @param secretName the Secret, in the InferenceService's namespace
   */
  public static fromS3Secret(secretName: string, keys: S3SecretKeys = {}): StorageCredentials {
    const owner = 'StorageCredentials.fromS3Secret';
    checkSecretName(owner, secretName);
    const accessKeyIdKey = checkSecretKey(owner, 'accessKeyIdKey', keys.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID');
    const secretAccessKeyKey = checkSecretKey(owner, 'secretAccessKeyKey', keys.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY');
    return new StorageCredentials(StorageCredentialsKind.S3_SECRET, secretName, { accessKeyIdKey, secretAccessKeyKey });
  }

  /**
   * A Google service-account key file (JSON) stored in a Secret.
   * @param secretName the Secret, in the InferenceService's namespace
   * @param key data key holding the JSON key file (KServe's default: `gcloud-application-credentials.json`)
   */
  public static fromGcsServiceAccountKeySecret(secretName: string, key: string = 'gcloud-application-credentials.json'): StorageCredentials {
    const owner = 'StorageCredentials.fromGcsServiceAccountKeySecret';
    checkSecretName(owner, secretName);
    return new StorageCredentials(StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY_SECRET, secretName, { key: checkSecretKey(owner, 'key', key) });
  }

  /**
   * Extra request headers for an https:// model, stored in a Secret as a JSON object
   * (e.g. `{"Authorization": "Bearer …"}`).
   * @param secretName the Secret, in the InferenceService's namespace
   * @param key data key holding the JSON object
   */
  public static fromHttpHeadersSecret(secretName: string, key: string = 'headers'): StorageCredentials {
    const owner = 'StorageCredentials.fromHttpHeadersSecret';
    checkSecretName(owner, secretName);
    return new StorageCredentials(StorageCredentialsKind.HTTP_HEADERS_SECRET, secretName, { key: checkSecretKey(owner, 'key', key) });
  }

  /**
   * The pod's ServiceAccount (set `serviceAccountName` on the component), bound to a cloud role:
   * EKS IAM Roles for Service Accounts or GKE Workload Identity. For S3 nothing is added to the pod
   * (the AWS SDK finds the IRSA token); for GCS, `GCE_METADATA_HOST` tells kfs-runtime to ask the
   * metadata server.
   */
  public static fromServiceAccount(): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.SERVICE_ACCOUNT);
  }

  /** No credentials: unsigned S3 requests (`awsAnonymousCredential`), anonymous GCS, plain HTTPS. */
  public static anonymous(): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.ANONYMOUS);
  }

  private constructor(
    /** Where the credentials come from. */
    public readonly kind: StorageCredentialsKind,
    /** The Secret, for the Secret kinds. */
    public readonly secretName?: string,
    private readonly keys: { accessKeyIdKey?: string; secretAccessKeyKey?: string; key?: string } = {},
  ) {}

  /** Data key of the access key ID, for `S3_SECRET`. */
  public get accessKeyIdKey(): string | undefined {
    return this.keys.accessKeyIdKey;
  }

  /** Data key of the secret access key, for `S3_SECRET`. */
  public get secretAccessKeyKey(): string | undefined {
    return this.keys.secretAccessKeyKey;
  }

  /** Data key of the key file or headers object, for the GCS and HTTP Secret kinds. */
  public get secretKey(): string | undefined {
    return this.keys.key;
  }

  /** How messages name these credentials, e.g. `a GCS service-account key Secret 'gcs-key'`. */
  public describe(): string {
    switch (this.kind) {
      case StorageCredentialsKind.S3_SECRET: return `an S3 key Secret '${this.secretName}'`;
      case StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY_SECRET: return `a GCS service-account key Secret '${this.secretName}'`;
      case StorageCredentialsKind.HTTP_HEADERS_SECRET: return `an HTTP headers Secret '${this.secretName}'`;
      case StorageCredentialsKind.SERVICE_ACCOUNT: return "the pod's ServiceAccount";
      case StorageCredentialsKind.ANONYMOUS: return 'anonymous access';
    }
  }
}

function checkSecretName(owner: string, secretName: string): void {
  if (secretName.length > 253 || !SECRET_NAME.test(secretName)) {
    throw new ValidationError(`${owner}: secretName (${quote(secretName)}) is not a valid Secret name; use lowercase letters, digits, "-" and "."`);
  }
}

function checkSecretKey(owner: string, prop: string, key: string): string {
  if (key.length > 253 || !SECRET_KEY.test(key)) {
    throw new ValidationError(`${owner}: ${prop} (${quote(key)}) is not a valid Secret data key; use letters, digits, "-", "_" and "."`);
  }
  return key;
}
