import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IRIS_DIR } from './paths';

interface ExpectedOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: number[];
}

/** models/iris/1/expected.json: a v2 request and what Python onnxruntime answered (models/generate.py). */
export interface IrisExpected {
  request: { id: string; inputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
  response: { model_name: string; id: string; outputs: ExpectedOutput[] };
}

export function loadIrisExpected(): IrisExpected {
  return JSON.parse(readFileSync(path.join(IRIS_DIR, '1', 'expected.json'), 'utf8')) as IrisExpected;
}

export function expectedOutput(expected: IrisExpected, name: string): ExpectedOutput {
  const output = expected.response.outputs.find((candidate) => candidate.name === name);
  if (output === undefined) throw new Error(`expected.json has no output '${name}'`);
  return output;
}

/** Python and Node ship different onnxruntime builds; float32 results agree to a few ulps. */
export const PROBABILITY_TOLERANCE = 1e-6;
