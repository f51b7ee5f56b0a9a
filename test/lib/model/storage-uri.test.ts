import { StorageScheme, StorageUri } from '../../../lib';
import { errorOf } from '../_util';

describe('StorageUri factories', () => {
  test('s3 builds the KServe URI and keeps bucket and prefix', () => {
    const uri = StorageUri.s3('example-models', 'iris/1');
    expect(uri.uri).toBe('s3://example-models/iris/1');
    expect(uri.scheme).toBe(StorageScheme.S3);
    expect(uri.bucket).toBe('example-models');
    expect(uri.path).toBe('iris/1');
    expect(uri.isMounted).toBe(false);
  });

  test('s3 without a prefix is the whole bucket', () => {
    expect(StorageUri.s3('models').uri).toBe('s3://models');
  });

  test('gcs, https, pvc and file URIs', () => {
    expect(StorageUri.gcs('kfserving-examples', 'models/sklearn/1.0/model').uri).toBe('gs://kfserving-examples/models/sklearn/1.0/model');
    const https = StorageUri.https('https://models.example.com/iris/model.tar.gz');
    expect([https.scheme, https.host, https.path]).toEqual([StorageScheme.HTTPS, 'models.example.com', '/iris/model.tar.gz']);
    const pvc = StorageUri.pvc('model-store', 'iris/1');
    expect([pvc.uri, pvc.claimName, pvc.path, pvc.isMounted]).toEqual(['pvc://model-store/iris/1', 'model-store', 'iris/1', true]);
    expect(StorageUri.file('/models/iris').uri).toBe('file:///models/iris');
  });

  test('parse round-trips every scheme KServe accepts', () => {
    for (const uri of ['s3://b-1/x/y', 'gs://bucket/model', 'https://h.example.com/m.onnx', 'http://store.models.svc:8080/m.onnx', 'pvc://claim/path/to', 'file:///models/a']) {
      expect(StorageUri.parse(uri).uri).toBe(uri);
    }
    expect(StorageUri.parse('/models/plain').uri).toBe('file:///models/plain');
  });
});

describe('StorageUri validation', () => {
  test.each([
    [() => StorageUri.s3('My_Bucket', 'x'), `StorageUri.s3: bucket ('My_Bucket') is not an S3 bucket name; use 3-63 lowercase letters, digits, "." or "-"`],
    [() => StorageUri.s3('ab'), `StorageUri.s3: bucket ('ab') is not an S3 bucket name; use 3-63 lowercase letters, digits, "." or "-"`],
    [() => StorageUri.gcs('UPPER'), `StorageUri.gcs: bucket ('UPPER') is not a GCS bucket name; use 3-222 lowercase letters, digits, ".", "_" or "-"`],
    [() => StorageUri.s3('models', '/iris'), `StorageUri.s3: prefix ('/iris') starts with '/'; write it relative to the bucket or volume, e.g. 'models/iris'`],
    [() => StorageUri.s3('models', 'iris/../secrets'), `StorageUri.s3: prefix ('iris/../secrets') contains a '.' or '..' segment; use the model's canonical path without relative segments`],
    [() => StorageUri.s3('models', 'iris\u0000'), `StorageUri.s3: prefix ("iris\\u0000") contains a control character or backslash; use plain '/'-separated names`],
    [() => StorageUri.pvc('Claim_1'), `StorageUri.pvc: claimName ('Claim_1') is not a valid PersistentVolumeClaim name; use lowercase letters, digits, "-" and "."`],
    [() => StorageUri.pvc('claim', '../etc'), `StorageUri.pvc: path ('../etc') contains a '.' or '..' segment; use the model's canonical path without relative segments`],
    [() => StorageUri.file('models/iris'), `StorageUri.file: path ('models/iris') is not absolute; start it with '/', e.g. '/models/iris'`],
    [() => StorageUri.https('http://h.example.com/m'), `StorageUri.https: url ('http://h.example.com/m') must start with https://; use the factory for its scheme instead`],
    [() => StorageUri.https('https://user:secret@h.example.com/m'), `StorageUri.https: url ('https://***@h.example.com/m') carries credentials; remove them from the URI and reference a Kubernetes Secret instead`],
    [() => StorageUri.https('https://h.example.com/a/../b'), `StorageUri.https: url ('https://h.example.com/a/../b') contains a '.' or '..' segment or a control character; use the model's canonical path`],
    [() => StorageUri.https('not a url'), `StorageUri.https: url ('not a url') is not a valid URL; write it as https://host/path/to/model`],
    [() => StorageUri.parse('models/iris'), `StorageUri.parse: uri ('models/iris') has no scheme; use one of s3://, gs://, https://, http://, pvc://, file:// or an absolute path`],
    [() => StorageUri.parse('ftp://host/m'), `StorageUri.parse: uri ('ftp://host/m') uses the unsupported scheme 'ftp'; use one of s3://, gs://, https://, http://, pvc://, file://`],
  ])('%#: rejects with an actionable message', (build, message) => {
    expect(errorOf(build)).toBe(message);
  });

  test('the secret in a rejected URI never appears in the message', () => {
    expect(errorOf(() => StorageUri.parse('https://admin:hunter2@store.example.com/m'))).not.toContain('hunter2');
  });
});
