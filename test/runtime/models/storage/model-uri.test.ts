import { parseModelUri, redactUri } from '../../../../runtime/src/models/storage/model-uri';

describe('parseModelUri', () => {
  it('parses every supported scheme', () => {
    expect(parseModelUri('s3://models/iris/1/')).toEqual({ scheme: 's3', bucket: 'models', prefix: 'iris/1' });
    expect(parseModelUri('gs://models')).toEqual({ scheme: 'gs', bucket: 'models', prefix: '' });
    expect(parseModelUri('pvc://model-store/iris')).toEqual({ scheme: 'pvc', claimName: 'model-store', path: 'iris' });
    expect(parseModelUri('file:///mnt/models/iris')).toEqual({ scheme: 'file', path: '/mnt/models/iris' });
    expect(parseModelUri('models/iris', '/srv')).toEqual({ scheme: 'file', path: '/srv/models/iris' });
    const https = parseModelUri('https://store.example.com/iris/model.onnx');
    expect(https.scheme === 'https' && https.url.href).toBe('https://store.example.com/iris/model.onnx');
  });

  it.each<[string, string]>([
    ['s3://models/../etc/passwd', "invalid model URI 's3://models/../etc/passwd': the key prefix contains a '..' segment; use the model's canonical path"],
    ['s3://models/iris/./1', "invalid model URI 's3://models/iris/./1': the key prefix contains a '.' segment; use the model's canonical path"],
    ['gs://models/iris/../../secrets', "invalid model URI 'gs://models/iris/../../secrets': the key prefix contains a '..' segment; use the model's canonical path"],
    ['pvc://model-store/../other-claim/iris', "invalid model URI 'pvc://model-store/../other-claim/iris': the path contains a '..' segment; use the model's canonical path"],
    ['https://store.example.com/models/../admin/model.onnx', "invalid model URI 'https://store.example.com/models/../admin/model.onnx': the path contains a '.' or '..' segment; use the model's canonical path"],
    ['https://store.example.com/models/%2e%2e/admin/model.onnx', "invalid model URI 'https://store.example.com/models/%2e%2e/admin/model.onnx': the path contains a '.' or '..' segment; use the model's canonical path"],
  ])('refuses path traversal in %s', (uri, message) => {
    expect(() => parseModelUri(uri)).toThrow(message);
  });

  it.each<[string, string]>([
    ['s3://x/iris', "invalid model URI 's3://x/iris': 'x' is not a bucket name; write it as s3://<bucket>/<prefix>"],
    ['pvc://Model_Store/iris', "invalid model URI 'pvc://Model_Store/iris': 'Model_Store' is not a PersistentVolumeClaim name; write it as pvc://<claim>/<path>"],
    ['s3://models/iris\\1', "invalid model URI 's3://models/iris\\1': the key prefix contains a control character or backslash; use the model's canonical path"],
    ['https://user:hunter2@store.example.com/m.onnx', "invalid model URI 'https://***@store.example.com/m.onnx': it carries credentials; send them as headers from a Secret (<host>-headers) instead"],
    ['azure://account/container', "storage scheme 'azure' is not supported (model URI 'azure://account/container'); use one of s3://, gs://, https://, http://, pvc://, file:// or a local path"],
    ['file://host/models', "invalid file URI 'file://host/models':"],
  ])('refuses %s with a message that says why', (uri, message) => {
    expect(() => parseModelUri(uri)).toThrow(message);
  });
});

describe('redactUri', () => {
  it('drops user info and query strings (a presigned URL\'s signature is its credential) and keeps the path', () => {
    expect(redactUri('https://bucket.s3.amazonaws.com/iris/model.onnx?X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc123')).toBe('https://bucket.s3.amazonaws.com/iris/model.onnx?<redacted>');
    expect(redactUri('https://alice:secret@host/m.onnx#frag')).toBe('https://***@host/m.onnx');
    expect(redactUri('s3://models/iris')).toBe('s3://models/iris');
  });
});
