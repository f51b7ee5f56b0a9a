import { ValidationError, quote } from '../_validation';
import { StorageCredentials, StorageCredentialsKind } from './storage-credentials';

/** The storage systems a model can be pulled from (KServe's `storageUri` schemes). */
export enum StorageScheme {
  /** Amazon S3 or an S3-compatible store: `s3://bucket/prefix`. */
  S3 = 's3',
  /** Google Cloud Storage: `gs://bucket/prefix`. */
  GCS = 'gs',
  /** A file or archive on a web server: `https://host/path`. */
  HTTPS = 'https',
  /** Plain HTTP, for in-cluster model stores only: `http://host/path`. */
  HTTP = 'http',
  /** A PersistentVolumeClaim, mounted rather than downloaded: `pvc://claim/path`. */
  PVC = 'pvc',
  /** A path already inside the container image or a mounted volume: `file:///path`. */
  FILE = 'file',
}

/** Options every remote StorageUri takes. */
export interface StorageUriOptions {
  /**
   * Where the runtime gets credentials for the store: a Secret or the pod's ServiceAccount, never a value.
   * @default - none wired: the runtime uses what the pod already has (the AWS SDK's chain, anonymous GCS/HTTPS)
   */
  readonly credentials?: StorageCredentials;
}

/** Options of an S3 (or S3-compatible) StorageUri; each becomes one of KServe's S3 environment variables. */
export interface S3StorageOptions extends StorageUriOptions {
  /**
   * Endpoint of an S3-compatible store, e.g. `https://minio.storage.svc:9000` (`AWS_ENDPOINT_URL`, `S3_USE_HTTPS`).
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * Region of the bucket (`AWS_DEFAULT_REGION`).
   * @default - the runtime's default (us-east-1)
   */
  readonly region?: string;
  /**
   * Verify the endpoint's TLS certificate (`S3_VERIFY_SSL`). Turn off only for a test store.
   * @default true
   */
  readonly verifySsl?: boolean;
  /**
   * Address buckets as `bucket.host` instead of `host/bucket` (`S3_USER_VIRTUAL_BUCKET`).
   * @default false for a custom endpoint (path style, what MinIO-like stores expect)
   */
  readonly virtualHostedStyle?: boolean;
}

/** Which credential kinds make sense for which scheme. */
const ALLOWED_CREDENTIALS: { [scheme: string]: StorageCredentialsKind[] } = {
  s3: [StorageCredentialsKind.S3_SECRET, StorageCredentialsKind.SERVICE_ACCOUNT, StorageCredentialsKind.ANONYMOUS],
  gs: [StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY_SECRET, StorageCredentialsKind.SERVICE_ACCOUNT, StorageCredentialsKind.ANONYMOUS],
  https: [StorageCredentialsKind.HTTP_HEADERS_SECRET, StorageCredentialsKind.ANONYMOUS],
  http: [StorageCredentialsKind.HTTP_HEADERS_SECRET, StorageCredentialsKind.ANONYMOUS],
  pvc: [],
  file: [],
};

const FACTORY_FOR_KIND: { [kind: string]: string } = {
  [StorageCredentialsKind.S3_SECRET]: 'StorageCredentials.fromS3Secret()',
  [StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY_SECRET]: 'StorageCredentials.fromGcsServiceAccountKeySecret()',
  [StorageCredentialsKind.HTTP_HEADERS_SECRET]: 'StorageCredentials.fromHttpHeadersSecret()',
  [StorageCredentialsKind.SERVICE_ACCOUNT]: 'StorageCredentials.fromServiceAccount()',
  [StorageCredentialsKind.ANONYMOUS]: 'StorageCredentials.anonymous()',
};

// Query parameters that carry a credential: presigned S3/GCS URLs, Azure SAS, API tokens. In a
// manifest they would be readable by anyone who can read the InferenceService.
const CREDENTIAL_QUERY_PARAMETERS = ['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'x-goog-signature', 'x-goog-credential', 'sig', 'signature', 'token', 'access_token', 'api_key', 'apikey'];

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Control characters and backslashes have no place in an object key or path and are the usual
// ingredients of path-confusion attacks.
const FORBIDDEN_PATH_CHARACTERS = /[\u0000-\u001f\u007f\\]/;

/**
 * Where a model lives, validated at synth time.
 *
 * Use the factories (`StorageUri.s3('models', 'iris/1')`) or `StorageUri.parse('s3://models/iris/1')`
 * for a KServe-style string. Credentials never go into a URI: they come from a Kubernetes Secret or a
 * service account (`StorageCredentials`, passed in the options), and a URI that carries `user:password@` or a presigned query string is rejected.
 */
export class StorageUri {
  /**
   * An S3 (or S3-compatible) bucket and key prefix.
   * @param bucket bucket name (3–63 lowercase letters, digits, `.` and `-`)
   * @param prefix key prefix of the model file or folder, without a leading `/`
   */
  public static s3(bucket: string, prefix: string = '', options: S3StorageOptions = {}): StorageUri {
    checkBucket('StorageUri.s3', bucket, S3_BUCKET, 'an S3 bucket name', 'use 3-63 lowercase letters, digits, "." or "-"');
    checkRelativePath('StorageUri.s3', 'prefix', prefix);
    const credentials = checkCredentials('StorageUri.s3', StorageScheme.S3, options.credentials);
    if (options.endpoint !== undefined) checkEndpoint('StorageUri.s3', options.endpoint);
    if (options.region !== undefined && !/^[a-z0-9-]{1,64}$/.test(options.region)) {
      throw new ValidationError(`StorageUri.s3: region (${quote(options.region)}) is not a region name; use e.g. 'eu-west-1'`);
    }
    const s3: S3StorageOptions = { endpoint: options.endpoint, region: options.region, verifySsl: options.verifySsl, virtualHostedStyle: options.virtualHostedStyle };
    return new StorageUri(StorageScheme.S3, joinUri(`s3://${bucket}`, prefix), prefix, bucket, undefined, undefined, credentials, s3);
  }

  /**
   * A Google Cloud Storage bucket and object prefix.
   * @param bucket bucket name
   * @param prefix object prefix of the model file or folder, without a leading `/`
   */
  public static gcs(bucket: string, prefix: string = '', options: StorageUriOptions = {}): StorageUri {
    checkBucket('StorageUri.gcs', bucket, GCS_BUCKET, 'a GCS bucket name', 'use 3-222 lowercase letters, digits, ".", "_" or "-"');
    checkRelativePath('StorageUri.gcs', 'prefix', prefix);
    const credentials = checkCredentials('StorageUri.gcs', StorageScheme.GCS, options.credentials);
    return new StorageUri(StorageScheme.GCS, joinUri(`gs://${bucket}`, prefix), prefix, bucket, undefined, undefined, credentials);
  }

  /**
   * A model file or archive (`.tar.gz`, `.zip`) served over HTTPS.
   * @param url the full `https://` URL
   */
  public static https(url: string, options: StorageUriOptions = {}): StorageUri {
    return StorageUri.fromUrl('StorageUri.https', url, ['https:'], options.credentials);
  }

  /**
   * A PersistentVolumeClaim: the claim is mounted into the pod (Knative needs its
   * `kubernetes.podspec-persistent-volume-claim` feature flag) and the model read from `path` inside it.
   * @param claimName name of the PersistentVolumeClaim, in the InferenceService's namespace
   * @param path path of the model inside the volume, without a leading `/`
   */
  public static pvc(claimName: string, path: string = ''): StorageUri {
    if (claimName.length > 253 || !DNS_1123_SUBDOMAIN.test(claimName)) {
      throw new ValidationError(`StorageUri.pvc: claimName (${quote(claimName)}) is not a valid PersistentVolumeClaim name; use lowercase letters, digits, "-" and "."`);
    }
    checkRelativePath('StorageUri.pvc', 'path', path);
    return new StorageUri(StorageScheme.PVC, joinUri(`pvc://${claimName}`, path), path, undefined, claimName);
  }

  /**
   * A path that already exists in the container (baked into the image or on a volume you mount).
   * @param path absolute path, e.g. `/models/iris`
   */
  public static file(path: string): StorageUri {
    checkAbsolutePath('StorageUri.file', path);
    return new StorageUri(StorageScheme.FILE, `file://${path}`, path);
  }

  /**
   * Parses a KServe-style `storageUri` string (`s3://`, `gs://`, `https://`, `http://`, `pvc://`,
   * `file://`, or an absolute path).
   */
  public static parse(uri: string, options: S3StorageOptions = {}): StorageUri {
    const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(uri);
    const scheme = match ? match[1] : 'file';
    const s3Only = (['endpoint', 'region', 'verifySsl', 'virtualHostedStyle'] as const).filter(option => options[option] !== undefined);
    if (scheme !== 's3' && s3Only.length > 0) {
      throw new ValidationError(`StorageUri.parse: ${s3Only[0]} (${quote(options[s3Only[0]])}) applies to s3:// URIs only, not to ${quote(uri)}; remove it`);
    }
    if (!match) {
      checkCredentials('StorageUri.parse', StorageScheme.FILE, options.credentials);
      if (uri.startsWith('/')) return StorageUri.file(uri);
      throw new ValidationError(`StorageUri.parse: uri (${quote(uri)}) has no scheme; use one of s3://, gs://, https://, http://, pvc://, file:// or an absolute path`);
    }
    const rest = match[2];
    switch (scheme) {
      case 's3': return StorageUri.s3(...splitBucket(rest), options);
      case 'gs': return StorageUri.gcs(...splitBucket(rest), options);
      case 'pvc':
        checkCredentials('StorageUri.parse', StorageScheme.PVC, options.credentials);
        return StorageUri.pvc(...splitBucket(rest));
      case 'file':
        checkCredentials('StorageUri.parse', StorageScheme.FILE, options.credentials);
        return StorageUri.file(rest);
      case 'https': return StorageUri.https(uri, options);
      case 'http': return StorageUri.fromUrl('StorageUri.parse', uri, ['http:'], options.credentials);
      default:
        throw new ValidationError(`StorageUri.parse: uri (${quote(uri)}) uses the unsupported scheme '${scheme}'; use one of s3://, gs://, https://, http://, pvc://, file://`);
    }
  }

  private static fromUrl(owner: string, url: string, protocols: string[], credentials?: StorageCredentials): StorageUri {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError(`${owner}: url (${quote(url)}) is not a valid URL; write it as https://host/path/to/model`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ValidationError(`${owner}: url (${quote(url)}) must start with ${protocols.map(p => `${p}//`).join(' or ')}; use the factory for its scheme instead`);
    }
    if (parsed.username || parsed.password) {
      throw new ValidationError(`${owner}: url ('${redact(parsed)}') carries credentials; remove them from the URI and reference a Kubernetes Secret instead`);
    }
    // URL normalises `..` away, so look at what the user wrote.
    const rawPath = url.slice(url.indexOf('//') + 2).replace(/^[^/]*/, '').split(/[?#]/)[0];
    if (rawPath.split('/').some(segment => segment === '..' || segment === '.') || FORBIDDEN_PATH_CHARACTERS.test(decodeURIComponentSafe(rawPath))) {
      throw new ValidationError(`${owner}: url (${quote(url)}) contains a '.' or '..' segment or a control character; use the model's canonical path`);
    }
    const credentialParameter = [...parsed.searchParams.keys()].find(name => CREDENTIAL_QUERY_PARAMETERS.includes(name.toLowerCase()));
    if (credentialParameter !== undefined) {
      throw new ValidationError(`${owner}: url ('${parsed.origin}${parsed.pathname}?…') carries a credential in its query string (${credentialParameter}), which would be written into the manifest in clear; `
        + 'serve the file with an Authorization header from a Secret (StorageCredentials.fromHttpHeadersSecret) instead');
    }
    const scheme = parsed.protocol === 'https:' ? StorageScheme.HTTPS : StorageScheme.HTTP;
    const checked = checkCredentials(owner, scheme, credentials);
    if (checked?.kind === StorageCredentialsKind.HTTP_HEADERS_SECRET && !ENV_NAME.test(`${parsed.hostname}-headers`)) {
      throw new ValidationError(`${owner}: url (${quote(url)}) has the host '${parsed.hostname}', which cannot name the '<host>-headers' environment variable the headers travel in; use a DNS name for the host`);
    }
    return new StorageUri(scheme, url, parsed.pathname, undefined, undefined, parsed.host, checked);
  }

  private constructor(
    /** Which storage system holds the model. */
    public readonly scheme: StorageScheme,
    /** The URI as KServe writes it, e.g. `s3://models/iris/1`. */
    public readonly uri: string,
    /** The key prefix, object path or file path inside the bucket, claim or host. */
    public readonly path: string,
    /** The bucket, for `s3://` and `gs://`. */
    public readonly bucket?: string,
    /** The PersistentVolumeClaim, for `pvc://`. */
    public readonly claimName?: string,
    /** The host (and port), for `http(s)://`. */
    public readonly host?: string,
    /** Where the runtime gets credentials for the store, when wired. */
    public readonly credentials?: StorageCredentials,
    /** S3 endpoint, region and addressing, for `s3://`. */
    public readonly s3Options?: S3StorageOptions,
  ) {}

  /** True when the model is mounted into the pod rather than downloaded. */
  public get isMounted(): boolean {
    return this.scheme === StorageScheme.PVC;
  }

  public toString(): string {
    return this.uri;
  }
}

/** Kubernetes' rule for environment variable names (the `<host>-headers` variable must pass it). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function checkCredentials(owner: string, scheme: StorageScheme, credentials: StorageCredentials | undefined): StorageCredentials | undefined {
  if (credentials === undefined) return undefined;
  const allowed = ALLOWED_CREDENTIALS[scheme];
  if (!allowed.includes(credentials.kind)) {
    const fix = allowed.length === 0
      ? `remove them: ${scheme}:// models are ${scheme === StorageScheme.PVC ? 'mounted' : 'read from the container'}, not downloaded`
      : `use ${allowed.map(kind => FACTORY_FOR_KIND[kind]).join(', ')}`;
    throw new ValidationError(`${owner}: credentials (${credentials.describe()}) cannot be used with ${scheme}:// URIs; ${fix}`);
  }
  return credentials;
}

function checkEndpoint(owner: string, endpoint: string): void {
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw new ValidationError(`${owner}: endpoint (${quote(endpoint)}) is not a URL; write it as http(s)://host[:port]`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ValidationError(`${owner}: endpoint (${quote(endpoint)}) is not a URL; write it as http(s)://host[:port]`);
  }
  if (parsed.username || parsed.password) {
    throw new ValidationError(`${owner}: endpoint ('${redact(parsed)}') carries credentials; remove them and use StorageCredentials.fromS3Secret() instead`);
  }
}

function checkBucket(owner: string, bucket: string, pattern: RegExp, what: string, fix: string): void {
  if (!pattern.test(bucket) || bucket.includes('..')) {
    throw new ValidationError(`${owner}: bucket (${quote(bucket)}) is not ${what}; ${fix}`);
  }
}

function checkRelativePath(owner: string, prop: string, path: string): void {
  if (path.startsWith('/')) {
    throw new ValidationError(`${owner}: ${prop} (${quote(path)}) starts with '/'; write it relative to the bucket or volume, e.g. 'models/iris'`);
  }
  checkSegments(owner, prop, path);
}

function checkAbsolutePath(owner: string, path: string): void {
  if (!path.startsWith('/')) {
    throw new ValidationError(`${owner}: path (${quote(path)}) is not absolute; start it with '/', e.g. '/models/iris'`);
  }
  checkSegments(owner, 'path', path);
}

function checkSegments(owner: string, prop: string, path: string): void {
  if (FORBIDDEN_PATH_CHARACTERS.test(path)) {
    throw new ValidationError(`${owner}: ${prop} (${JSON.stringify(path)}) contains a control character or backslash; use plain '/'-separated names`);
  }
  if (path.split('/').some(segment => segment === '..' || segment === '.')) {
    throw new ValidationError(`${owner}: ${prop} (${quote(path)}) contains a '.' or '..' segment; use the model's canonical path without relative segments`);
  }
}

function splitBucket(rest: string): [string, string] {
  const slash = rest.indexOf('/');
  return slash < 0 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash + 1)];
}

function joinUri(base: string, path: string): string {
  return path ? `${base}/${path}` : base;
}

function redact(url: URL): string {
  return `${url.protocol}//***@${url.host}${url.pathname}`;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
