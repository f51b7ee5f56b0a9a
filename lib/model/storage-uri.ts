import { ValidationError, quote } from '../_validation';

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
 * service account (see the storage issue), and a URI that carries `user:password@` is rejected.
 */
export class StorageUri {
  /**
   * An S3 (or S3-compatible) bucket and key prefix.
   * @param bucket bucket name (3–63 lowercase letters, digits, `.` and `-`)
   * @param prefix key prefix of the model file or folder, without a leading `/`
   */
  public static s3(bucket: string, prefix: string = ''): StorageUri {
    checkBucket('StorageUri.s3', bucket, S3_BUCKET, 'an S3 bucket name', 'use 3-63 lowercase letters, digits, "." or "-"');
    checkRelativePath('StorageUri.s3', 'prefix', prefix);
    return new StorageUri(StorageScheme.S3, joinUri(`s3://${bucket}`, prefix), prefix, bucket);
  }

  /**
   * A Google Cloud Storage bucket and object prefix.
   * @param bucket bucket name
   * @param prefix object prefix of the model file or folder, without a leading `/`
   */
  public static gcs(bucket: string, prefix: string = ''): StorageUri {
    checkBucket('StorageUri.gcs', bucket, GCS_BUCKET, 'a GCS bucket name', 'use 3-222 lowercase letters, digits, ".", "_" or "-"');
    checkRelativePath('StorageUri.gcs', 'prefix', prefix);
    return new StorageUri(StorageScheme.GCS, joinUri(`gs://${bucket}`, prefix), prefix, bucket);
  }

  /**
   * A model file or archive (`.tar.gz`, `.zip`) served over HTTPS.
   * @param url the full `https://` URL
   */
  public static https(url: string): StorageUri {
    return StorageUri.fromUrl('StorageUri.https', url, ['https:']);
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
  public static parse(uri: string): StorageUri {
    const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(uri);
    if (!match) {
      if (uri.startsWith('/')) return StorageUri.file(uri);
      throw new ValidationError(`StorageUri.parse: uri (${quote(uri)}) has no scheme; use one of s3://, gs://, https://, http://, pvc://, file:// or an absolute path`);
    }
    const [, scheme, rest] = match;
    switch (scheme) {
      case 's3': return StorageUri.s3(...splitBucket(rest));
      case 'gs': return StorageUri.gcs(...splitBucket(rest));
      case 'pvc': return StorageUri.pvc(...splitBucket(rest));
      case 'file': return StorageUri.file(rest);
      case 'https': return StorageUri.https(uri);
      case 'http': return StorageUri.fromUrl('StorageUri.parse', uri, ['http:']);
      default:
        throw new ValidationError(`StorageUri.parse: uri (${quote(uri)}) uses the unsupported scheme '${scheme}'; use one of s3://, gs://, https://, http://, pvc://, file://`);
    }
  }

  private static fromUrl(owner: string, url: string, protocols: string[]): StorageUri {
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
    const scheme = parsed.protocol === 'https:' ? StorageScheme.HTTPS : StorageScheme.HTTP;
    return new StorageUri(scheme, url, parsed.pathname, undefined, undefined, parsed.host);
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
  ) {}

  /** True when the model is mounted into the pod rather than downloaded. */
  public get isMounted(): boolean {
    return this.scheme === StorageScheme.PVC;
  }

  public toString(): string {
    return this.uri;
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
