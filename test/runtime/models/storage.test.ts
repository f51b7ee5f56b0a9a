import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { localizeModelUri, normalizeModelUri, storageScheme } from '../../../runtime/src/models/storage';

describe('model storage URIs', () => {
  it('treats bare paths as local files and makes them absolute against the working directory', () => {
    expect(storageScheme('models/iris')).toBe('file');
    expect(normalizeModelUri('models/iris', '/srv/app')).toBe('/srv/app/models/iris');
    expect(normalizeModelUri('/mnt/models', '/srv/app')).toBe('/mnt/models');
  });

  it('keeps file:// URIs and resolves them to their path', async () => {
    const uri = pathToFileURL('/mnt/models/iris').href;
    expect(normalizeModelUri(uri)).toBe(uri);
    expect(await localizeModelUri(uri)).toBe('/mnt/models/iris');
  });

  it('resolves relative paths to absolute local paths', async () => {
    expect(await localizeModelUri('models/iris')).toBe(path.resolve('models/iris'));
  });

  it.each(['s3://bucket/iris', 'gs://bucket/iris', 'https://example.com/model.onnx', 'PVC://claim/iris'])(
    'refuses %s until the storage pullers exist',
    (uri) => {
      const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
      expect(() => normalizeModelUri(uri)).toThrow(
        `storage scheme '${scheme}' is not supported by this build yet (model URI '${uri}'); use a local path or a file:// URI`,
      );
    },
  );

  it('refuses a file:// URI with a host, which has no local meaning', () => {
    expect(() => normalizeModelUri('file://models/iris')).toThrow("invalid file URI 'file://models/iris':");
  });
});
