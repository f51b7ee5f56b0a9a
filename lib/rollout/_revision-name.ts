import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import * as knative from '../../imports/knative-serving.knative.dev';
import * as kserve from '../_kserve';
import { ValidationError, propError } from '../_validation';

/**
 * Knative revision names chosen in code (`spec.template.metadata.name`, Knative's "bring your own
 * revision name"), so that traffic can name revisions before the cluster has seen them.
 * @internal
 */

/**
 * Characters of template hash in a revision name. With the dash this is exactly as long as Knative's own
 * `-00001` suffix, which the InferenceService name limit already leaves room for. Five hex digits (about
 * a million values) keep a collision between the few revisions Knative retains of one component unlikely,
 * and a collision fails safe: Knative refuses a different template under an existing revision name.
 */
export const TEMPLATE_HASH_LENGTH = kserve.KNATIVE_REVISION_SUFFIX_LENGTH - 1;

/**
 * A short hash of a revision template as it is written to the manifest (name excluded): the same template
 * always hashes the same, and any change to labels, annotations or the pod spec changes it. Raw mode
 * hashes a Deployment's pod template the same way.
 */
export function templateHash(template: knative.ServiceSpecTemplate | k8s.PodTemplateSpec): string {
  const unnamed = { ...template, metadata: { ...template.metadata, name: undefined } };
  return createHash('sha256').update(canonicalJson(unnamed)).digest('hex').slice(0, TEMPLATE_HASH_LENGTH);
}

/**
 * JSON with object keys sorted at every level and undefined values dropped, so property order never
 * changes the hash. It reads the L1 props directly, because the generated `toJson_*` converters cost
 * more than the rest of a component's synthesis; the one thing they change is unwrapping the generated
 * union types (`…ResourcesLimits.fromString('1')` keeps `{value: '1'}` and is written as `'1'`), which
 * this does too, so the result equals the canonical form of the manifest (tested).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype && 'value' in value) return canonicalJson((value as { value: unknown }).value);
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const REVISION_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Knative names unnamed revisions `<service>-00001`, `-00002`, …; such an id could collide with one. */
const KNATIVE_GENERATED_SUFFIX = /^\d{5,}$/;

/**
 * The revision name of a component template: `<service>-<revision id>` when the user gave an id, else
 * `<service>-<template hash>`. Knative requires the `<service>-` prefix and a DNS-1035 label of at most
 * 63 characters.
 * @param prop the prop path of the id in messages, e.g. `canary.predictor.revision`
 */
export function resolveRevisionName(owner: string, prop: string, serviceName: string, revisionId: string | undefined, hash: string): string {
  if (revisionId === undefined) return `${serviceName}-${hash}`;
  if (!REVISION_ID.test(revisionId)) {
    throw propError(owner, prop, revisionId, 'is not usable in a revision name', 'use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. \'v2\'');
  }
  if (KNATIVE_GENERATED_SUFFIX.test(revisionId)) {
    throw propError(owner, prop, revisionId, 'looks like a revision number Knative generates itself, so it could name an existing revision', "use an id of your own, e.g. 'v2' or a release tag");
  }
  const name = `${serviceName}-${revisionId}`;
  if (name.length > kserve.DNS_LABEL_MAX_LENGTH) {
    throw propError(owner, prop, revisionId, `makes the revision name '${name}' ${name.length} characters long, more than ${kserve.DNS_LABEL_MAX_LENGTH}`,
      `use an id of at most ${kserve.DNS_LABEL_MAX_LENGTH - serviceName.length - 1} characters`);
  }
  return name;
}

/** Two descriptions of one component that must not share a revision name unless they are the same template. */
export interface NamedTemplate {
  /** How messages name the description, e.g. `predictor` or `canary.predictor`. */
  readonly prop: string;
  readonly revisionName: string;
  readonly hash: string;
}

/**
 * Knative keeps one template per revision name and rejects a changed template under an existing name,
 * so two different templates under one name can never both be deployed: refuse them at synth.
 */
export function checkDistinctRevisions(owner: string, stable: NamedTemplate, canary: NamedTemplate): void {
  if (stable.revisionName !== canary.revisionName) return;
  if (stable.hash !== canary.hash) {
    throw new ValidationError(`${owner}: ${canary.prop} and ${stable.prop} are different templates under one revision name ('${canary.revisionName}'); Knative rejects a changed template under an existing revision name, so give ${canary.prop}.revision a new id`);
  }
  throw new ValidationError(`${owner}: ${canary.prop} is the same template as ${stable.prop} (revision '${canary.revisionName}'), so there is nothing to roll out; change ${canary.prop}, or remove it from the canary`);
}
