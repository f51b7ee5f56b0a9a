import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import * as tar from 'tar-stream';

/** One tar entry; `type` defaults to a file, and the name is written exactly as given (even `../x`). */
export interface TarEntry {
  readonly name: string;
  readonly content?: Buffer | string;
  readonly type?: 'file' | 'directory' | 'symlink';
  readonly linkname?: string;
}

/** Builds a tar archive in memory, gzipped unless `gzip` is false. */
export async function makeTar(entries: readonly TarEntry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const finished = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', (error) => reject(error as Error));
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    if (type === 'file') {
      pack.entry({ name: entry.name, type }, Buffer.from(entry.content ?? ''));
    } else {
      pack.entry({ name: entry.name, type, ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }) });
    }
  }
  pack.finalize();
  await finished;
  const archive = Buffer.concat(chunks);
  return gzip ? gzipSync(archive) : archive;
}

/** Builds a zip archive in memory; fflate writes names as given (even `../x`), which is what the refusal tests need. */
export function makeZip(files: Record<string, Buffer | string>): Buffer {
  const input: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(files)) input[name] = new Uint8Array(Buffer.from(content));
  return Buffer.from(zipSync(input));
}
