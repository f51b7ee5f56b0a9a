import { readFileSync } from 'node:fs';
import * as yaml from 'yaml';

/** Every non-empty YAML document of the files, in order, as plain objects (what `kubectl apply -f` would send). */
export function readManifestFiles(files: readonly string[]): any[] {
  return files.flatMap(file => yaml.parseAllDocuments(readFileSync(file, 'utf-8')).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${file}, document ${index + 1}: ${document.errors[0].message}`);
    return document.toJS();
  })).filter(object => object !== null && object !== undefined);
}
