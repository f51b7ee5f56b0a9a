import type { BinaryRequestLayout } from './binary-request-layout';
import type { ModelSignature } from './tensor';

/** Layouts kept per model: enough for the few distinct headers a client library sends. */
export const MAX_LAYOUTS_PER_MODEL = 64;

/** Longer headers are not kept: the cache's memory stays bounded whatever clients send. */
export const MAX_CACHED_HEADER_LENGTH = 4096;

/**
 * Validated binary-extension headers by their text, per model. A client sends the same header on
 * every call of a given shape (only the tensor bytes change), and parsing and checking that JSON
 * was a few microseconds of every request. Layouts belong to the model object they were checked
 * against, so a reloaded model starts empty. When full, the oldest layout makes room: headers that
 * never repeat (a fresh request id each call) cost one insertion each and push nothing else out
 * for long.
 */
export class BinaryLayoutCache {
  readonly #byModel = new WeakMap<ModelSignature, Map<string, BinaryRequestLayout>>();

  get(model: ModelSignature, header: string): BinaryRequestLayout | undefined {
    return this.#byModel.get(model)?.get(header);
  }

  set(model: ModelSignature, header: string, layout: BinaryRequestLayout): void {
    if (header.length > MAX_CACHED_HEADER_LENGTH) return;
    let layouts = this.#byModel.get(model);
    if (layouts === undefined) {
      layouts = new Map();
      this.#byModel.set(model, layouts);
    }
    if (layouts.size >= MAX_LAYOUTS_PER_MODEL) layouts.delete(layouts.keys().next().value!);
    layouts.set(header, layout);
  }
}
