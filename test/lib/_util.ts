import { Chart, Testing } from 'cdk8s';
import * as yaml from 'yaml';
import { testApp } from './test-app';

/** A fresh app and chart for one test; namespace `models` unless told otherwise (`null`: no namespace). */
export function newChart(namespace: string | null = 'models'): Chart {
  return new Chart(testApp(), 'test', namespace === null ? {} : { namespace });
}

/** The chart's manifests as plain objects. */
export function synth(chart: Chart): any[] {
  return Testing.synth(chart);
}

/** The one manifest of `kind` named `name`; fails the test when there is not exactly one. */
export function find(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter(m => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} '${name}', found ${found.length} among ${manifests.map(m => `${m.kind}/${m.metadata?.name}`).join(', ')}`);
  return found[0];
}

/** The model-server container of a Knative Service. */
export function containerOf(knativeService: any): any {
  return knativeService.spec.template.spec.containers[0];
}

/** The chart as the YAML `cdk8s synth` writes. */
export function synthYaml(chart: Chart): string {
  return synth(chart).map(m => yaml.stringify(m)).join('---\n');
}

/** Runs `build` and returns the message it throws; fails when it does not throw. */
export function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}
