import { EnvValue } from 'cdk8s-plus-27';
import { DeploymentMode, InferenceService, InferenceServiceProps, ModelFormat, StorageCredentials, StorageCredentialsKind, StorageUri } from '../../../lib';
import { containerOf, errorOf, find, newChart, synth, synthYaml } from '../_util';

function predictorOf(props: InferenceServiceProps): any {
  const chart = newChart();
  new InferenceService(chart, 'iris', props);
  return find(synth(chart), 'Service', 'iris-predictor');
}

const s3WithSecret = StorageUri.s3('models', 'iris/1', {
  credentials: StorageCredentials.fromS3Secret('s3-credentials'),
  endpoint: 'http://minio.storage.svc:9000',
  region: 'eu-west-1',
  verifySsl: false,
});

describe('StorageUri credentials wiring on the pod', () => {
  test('S3 keys from a Secret, endpoint and region become KServe env vars on the kfs-runtime container', () => {
    const predictor = predictorOf({ predictor: { model: { format: ModelFormat.ONNX, storageUri: s3WithSecret } } });
    expect(containerOf(predictor).env).toEqual([
      { name: 'INFERENCE_SERVICE_NAME', value: 'iris' },
      { name: 'AWS_ENDPOINT_URL', value: 'http://minio.storage.svc:9000' },
      { name: 'S3_USE_HTTPS', value: '0' },
      { name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' },
      { name: 'S3_VERIFY_SSL', value: '0' },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } } },
    ]);
    expect(containerOf(predictor).args).toContain('--model=iris=s3://models/iris/1');
  });

  test('custom Secret data keys are referenced as given', () => {
    const storageUri = StorageUri.s3('models', 'iris', { credentials: StorageCredentials.fromS3Secret('creds', { accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' }) });
    const env = containerOf(predictorOf({ predictor: { model: { format: ModelFormat.ONNX, storageUri } } })).env;
    expect(env.slice(1)).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'creds', key: 'id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'secret' } } },
    ]);
  });

  test('for a runtime that does not pull (KServe sklearn), the storage env goes on the storage-initializer only', () => {
    const predictor = predictorOf({ predictor: { model: { format: ModelFormat.SKLEARN, storageUri: s3WithSecret } } });
    const spec = predictor.spec.template.spec;
    expect(spec.initContainers[0].env.map((variable: any) => variable.name)).toEqual(['AWS_ENDPOINT_URL', 'S3_USE_HTTPS', 'AWS_DEFAULT_REGION', 'S3_VERIFY_SSL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(containerOf(predictor).env).toEqual([{ name: 'INFERENCE_SERVICE_NAME', value: 'iris' }]);
  });

  test('a GCS service-account key Secret is mounted read-only and named by GOOGLE_APPLICATION_CREDENTIALS', () => {
    const storageUri = StorageUri.gcs('models', 'iris', { credentials: StorageCredentials.fromGcsServiceAccountKeySecret('gcs-key') });
    const spec = predictorOf({ predictor: { model: { format: ModelFormat.ONNX, storageUri } } }).spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'kfs-gcs-credentials', secret: { secretName: 'gcs-key', items: [{ key: 'gcloud-application-credentials.json', path: 'gcloud-application-credentials.json' }] } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'kfs-gcs-credentials', mountPath: '/var/secrets/gcs', readOnly: true });
    expect(spec.containers[0].env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/var/secrets/gcs/gcloud-application-credentials.json' });
  });

  test('in raw deployment mode the Deployment gets the same Secret volume, mount and env', () => {
    const chart = newChart();
    const storageUri = StorageUri.gcs('models', 'iris', { credentials: StorageCredentials.fromGcsServiceAccountKeySecret('gcs-key') });
    new InferenceService(chart, 'iris', { deploymentMode: DeploymentMode.RAW, predictor: { maxReplicas: 3, model: { format: ModelFormat.ONNX, storageUri } } });
    const spec = find(synth(chart), 'Deployment', 'iris-predictor').spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'kfs-gcs-credentials', secret: { secretName: 'gcs-key', items: [{ key: 'gcloud-application-credentials.json', path: 'gcloud-application-credentials.json' }] } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'kfs-gcs-credentials', mountPath: '/var/secrets/gcs', readOnly: true });
    expect(spec.containers[0].env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/var/secrets/gcs/gcloud-application-credentials.json' });
  });

  test('HTTP headers from a Secret travel in KServe\'s <host>-headers variable', () => {
    const storageUri = StorageUri.https('https://models.example.com/iris.onnx', { credentials: StorageCredentials.fromHttpHeadersSecret('model-store-token') });
    const env = containerOf(predictorOf({ predictor: { model: { format: ModelFormat.ONNX, storageUri } } })).env;
    expect(env).toContainEqual({ name: 'models.example.com-headers', valueFrom: { secretKeyRef: { name: 'model-store-token', key: 'headers' } } });
  });

  test('anonymous S3 sets awsAnonymousCredential; a ServiceAccount sets serviceAccountName (and, for GCS, the metadata server kfs-runtime asks)', () => {
    const anonymous = predictorOf({ predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('public-models', 'iris', { credentials: StorageCredentials.anonymous() }) } } });
    expect(containerOf(anonymous).env).toContainEqual({ name: 'awsAnonymousCredential', value: 'true' });
    const irsa = predictorOf({ predictor: { serviceAccountName: 'model-puller', model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'iris', { credentials: StorageCredentials.fromServiceAccount() }) } } });
    expect(irsa.spec.template.spec.serviceAccountName).toBe('model-puller');
    expect(containerOf(irsa).env).toEqual([{ name: 'INFERENCE_SERVICE_NAME', value: 'iris' }]);
    const workloadIdentity = predictorOf({ predictor: { serviceAccountName: 'model-puller', model: { format: ModelFormat.ONNX, storageUri: StorageUri.gcs('models', 'iris', { credentials: StorageCredentials.fromServiceAccount() }) } } });
    expect(containerOf(workloadIdentity).env).toEqual([{ name: 'INFERENCE_SERVICE_NAME', value: 'iris' }, { name: 'GCE_METADATA_HOST', value: 'metadata.google.internal' }]);
  });

  test('the manifest names Secrets and keys but holds no credential value', () => {
    const chart = newChart();
    new InferenceService(chart, 'iris', { predictor: { model: { format: ModelFormat.ONNX, storageUri: s3WithSecret } } });
    const manifest = synthYaml(chart);
    expect(manifest).toContain('secretKeyRef');
    expect(manifest).not.toMatch(/AWS_SECRET_ACCESS_KEY\n\s+value:/);
  });

  test('credentials expose their kind and Secret', () => {
    const credentials = StorageCredentials.fromS3Secret('s3-credentials');
    expect([credentials.kind, credentials.secretName, credentials.accessKeyIdKey]).toEqual([StorageCredentialsKind.S3_SECRET, 's3-credentials', 'AWS_ACCESS_KEY_ID']);
    expect(s3WithSecret.credentials).toBe(s3WithSecret.credentials);
    expect(StorageUri.parse('s3://models/iris', { endpoint: 'https://s3.example.com' }).s3Options?.endpoint).toBe('https://s3.example.com');
  });
});

describe('every credentials rule fails at synth with the prop, the value and the fix', () => {
  const onnx = (storageUri: StorageUri, extra: object = {}) => () => new InferenceService(newChart(), 'iris', { predictor: { model: { format: ModelFormat.ONNX, storageUri }, ...extra } });

  test.each<[string, () => unknown, string]>([
    ['credentials must fit the scheme', () => StorageUri.s3('models', 'iris', { credentials: StorageCredentials.fromGcsServiceAccountKeySecret('gcs-key') }),
      "StorageUri.s3: credentials (a GCS service-account key Secret 'gcs-key') cannot be used with s3:// URIs; use StorageCredentials.fromS3Secret(), StorageCredentials.fromServiceAccount(), StorageCredentials.anonymous()"],
    ['https takes only a headers Secret or anonymous', () => StorageUri.https('https://models.example.com/m.onnx', { credentials: StorageCredentials.fromServiceAccount() }),
      "StorageUri.https: credentials (the pod's ServiceAccount) cannot be used with https:// URIs; use StorageCredentials.fromHttpHeadersSecret(), StorageCredentials.anonymous()"],
    ['mounted claims take no credentials', () => StorageUri.parse('pvc://model-store/iris', { credentials: StorageCredentials.fromS3Secret('s3-credentials') }),
      "StorageUri.parse: credentials (an S3 key Secret 's3-credentials') cannot be used with pvc:// URIs; remove them: pvc:// models are mounted, not downloaded"],
    ['S3 options only on s3://', () => StorageUri.parse('gs://models/iris', { endpoint: 'https://minio:9000' }),
      "StorageUri.parse: endpoint ('https://minio:9000') applies to s3:// URIs only, not to 'gs://models/iris'; remove it"],
    ['endpoint must be a URL', () => StorageUri.s3('models', 'iris', { endpoint: 'minio:9000' }),
      "StorageUri.s3: endpoint ('minio:9000') is not a URL; write it as http(s)://host[:port]"],
    ['endpoint must not carry inline credentials', () => StorageUri.s3('models', 'iris', { endpoint: 'https://AKIA123:hunter2@minio:9000' }),
      "StorageUri.s3: endpoint ('https://***@minio:9000/') carries credentials; remove them and use StorageCredentials.fromS3Secret() instead"],
    ['region must be a region name', () => StorageUri.s3('models', 'iris', { region: 'EU West' }),
      "StorageUri.s3: region ('EU West') is not a region name; use e.g. 'eu-west-1'"],
    ['Secret name must be valid', () => StorageCredentials.fromS3Secret('S3_Creds'),
      `StorageCredentials.fromS3Secret: secretName ('S3_Creds') is not a valid Secret name; use lowercase letters, digits, "-" and "."`],
    ['Secret data key must be valid', () => StorageCredentials.fromGcsServiceAccountKeySecret('gcs-key', 'key file.json'),
      `StorageCredentials.fromGcsServiceAccountKeySecret: key ('key file.json') is not a valid Secret data key; use letters, digits, "-", "_" and "."`],
    ['no presigned URL (inline credential) in an https URI', () => StorageUri.https('https://bucket.s3.amazonaws.com/iris.onnx?X-Amz-Credential=AKIA&X-Amz-Signature=abc'),
      "StorageUri.https: url ('https://bucket.s3.amazonaws.com/iris.onnx?…') carries a credential in its query string (X-Amz-Credential), which would be written into the manifest in clear; serve the file with an Authorization header from a Secret (StorageCredentials.fromHttpHeadersSecret) instead"],
    ['headers need a host that can name an env var', () => StorageUri.https('https://10.0.0.5/m.onnx', { credentials: StorageCredentials.fromHttpHeadersSecret('token') }),
      "StorageUri.https: url ('https://10.0.0.5/m.onnx') has the host '10.0.0.5', which cannot name the '<host>-headers' environment variable the headers travel in; use a DNS name for the host"],
    ['no inline credential in env', onnx(StorageUri.s3('models', 'iris'), { env: { AWS_SECRET_ACCESS_KEY: EnvValue.fromValue('wJalrXUtnFEMI') } }),
      "InferenceService 'iris': predictor.env.AWS_SECRET_ACCESS_KEY is a credential given as a plain value, which would be written into the manifest in clear; reference a Kubernetes Secret instead (EnvValue.fromSecretValue, or StorageCredentials on the model's StorageUri)"],
    ['no inline headers in env', onnx(StorageUri.s3('models', 'iris'), { env: { 'models.example.com-headers': EnvValue.fromValue('{"Authorization":"Bearer x"}') } }),
      "InferenceService 'iris': predictor.env.models.example.com-headers is a credential given as a plain value, which would be written into the manifest in clear; reference a Kubernetes Secret instead (EnvValue.fromSecretValue, or StorageCredentials on the model's StorageUri)"],
    ['no inline OTLP export headers in env', onnx(StorageUri.s3('models', 'iris'), { env: { OTEL_EXPORTER_OTLP_HEADERS: EnvValue.fromValue('x-honeycomb-team=abc') } }),
      "InferenceService 'iris': predictor.env.OTEL_EXPORTER_OTLP_HEADERS is a credential given as a plain value, which would be written into the manifest in clear; reference a Kubernetes Secret instead (EnvValue.fromSecretValue, or StorageCredentials on the model's StorageUri)"],
    ['ServiceAccount credentials need serviceAccountName', onnx(StorageUri.s3('models', 'iris', { credentials: StorageCredentials.fromServiceAccount() })),
      "InferenceService 'iris': predictor.serviceAccountName (undefined) is not set, but predictor.model.storageUri ('s3://models/iris') takes its credentials from the pod's ServiceAccount; set predictor.serviceAccountName to the ServiceAccount bound to the cloud role (EKS IRSA, GKE Workload Identity)"],
    ['user env must not shadow the wired storage env', onnx(s3WithSecret, { env: { AWS_ENDPOINT_URL: EnvValue.fromValue('http://other:9000') } }),
      "InferenceService 'iris': predictor.env ('AWS_ENDPOINT_URL') is set by cdk8s-kfserving; remove it; the library wires this variable itself"],
  ])('%s', (_rule, build, message) => {
    expect(errorOf(build)).toBe(message);
  });

  test('a credential env var from a Secret is accepted', () => {
    const secretRef = EnvValue.fromSecretValue({ secret: { name: 's3-credentials' } as any, key: 'AWS_SECRET_ACCESS_KEY' });
    expect(() => onnx(StorageUri.s3('models', 'iris'), { env: { AWS_SECRET_ACCESS_KEY: secretRef } })()).not.toThrow();
  });
});
