import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Testing } from 'cdk8s';

/**
 * One output folder for the test apps of a test file, removed after the file's tests (jest evaluates
 * this module once per test file, so the hook below belongs to whichever file imports it).
 * `Testing.app()` without an outdir makes a new temporary folder per app and never removes it,
 * which left tens of thousands of empty folders in /tmp after a few test runs.
 */
const OUTDIR = path.join(tmpdir(), `kfs-test-synth-${process.pid}`);
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

/** A cdk8s App for one test, writing (when it synthesizes to files at all) into that folder. */
export function testApp(): App {
  return Testing.app({ outdir: OUTDIR });
}
