import * as path from 'node:path';
import { readElfDependencies } from '../../runtime/image/elf';
import { findPinnedNodeBinary } from '../../runtime/image/node-binary';

const REPO_ROOT = path.resolve(__dirname, '../..');

describe('readElfDependencies (readelf on the real binaries the image ships)', () => {
  test("onnxruntime's addon needs libonnxruntime.so.1 (shipped beside it) and the C++ runtime, and has no interpreter", async () => {
    const addon = path.join(REPO_ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node');
    const dependencies = await readElfDependencies(addon);
    expect(dependencies.needed).toEqual(expect.arrayContaining(['libonnxruntime.so.1', 'libstdc++.so.6', 'libc.so.6']));
    expect(dependencies.interpreter).toBeUndefined();
  });

  test('the pinned node binary asks for the x86-64 glibc loader', async () => {
    const node = findPinnedNodeBinary(REPO_ROOT);
    expect(node.version).toBe('24.21.0');
    const dependencies = await readElfDependencies(node.executable);
    expect(dependencies.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(dependencies.needed).toEqual(expect.arrayContaining(['libc.so.6', 'libstdc++.so.6']));
  });

  test('a file that is not ELF fails with readelf’s reason', async () => {
    await expect(readElfDependencies(path.join(REPO_ROOT, 'package.json'))).rejects.toThrow(/readelf .*package\.json failed \(exit status 1\): readelf: Error: Not an ELF file/);
  });
});
