import { readFile } from 'node:fs/promises';
import type { ModelSource } from './model';
import { isValidModelName } from './model-name';

/**
 * Reads the models of a multi-model server from KServe's `models.json` (what the TrainedModel
 * controller writes into the ConfigMap `modelconfig-<isvc>-0`, mounted at /mnt/configs):
 * `[{"modelName": "...", "modelSpec": {"storageUri": "...", "framework": "...", "memory": "..."}}]`.
 * The storage URIs are kept as written, so the repository index reports them back unchanged.
 *
 * A missing file is an empty list: the ConfigMap volume is optional, and a replica may start before
 * the controller first writes it.
 *
 * @throws Error naming the file and the entry when the content is not such a list.
 */
export async function readModelConfigFile(file: string): Promise<ModelSource[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`model config '${file}': ${(error as Error).message}`);
  }
  if (text.trim() === '') return [];
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new Error(`model config '${file}' is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new Error(`model config '${file}' must be a JSON array of {modelName, modelSpec}`);
  const seen = new Set<string>();
  return entries.map((entry: { modelName?: unknown; modelSpec?: { storageUri?: unknown } }, index) => {
    const name = entry?.modelName;
    const uri = entry?.modelSpec?.storageUri;
    if (typeof name !== 'string' || !isValidModelName(name)) throw new Error(`model config '${file}' [${index}]: modelName must be a model name, got ${JSON.stringify(name)}`);
    if (typeof uri !== 'string' || uri === '') throw new Error(`model config '${file}' [${index}] '${name}': modelSpec.storageUri must be a non-empty string`);
    if (seen.has(name)) throw new Error(`model config '${file}': model '${name}' is listed twice`);
    seen.add(name);
    return { name, uri };
  });
}
