/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from '../../../runtime/src';
import { expectedOutput, loadIrisExpected } from '../helpers/iris-expected';
import { IRIS_DIR } from '../helpers/paths';
import { postJson, request, startTestServer } from '../helpers/test-server';

/** KServe's v1 protocol: model status, :predict in row and columnar form, :explain relayed. */
describe('v1 protocol', () => {
  const expected = loadIrisExpected();
  const rows: number[][] = [];
  const flat = expected.request.inputs[0]!.data;
  for (let row = 0; row < flat.length / 4; row++) rows.push(flat.slice(row * 4, row * 4 + 4));
  let server: RunningServer;
  let plain: RunningServer;
  let explainer: Server;
  const explained: { url?: string; body?: string }[] = [];

  beforeAll(async () => {
    // A real explainer process stand-in on loopback: records the call, answers like an Alibi explainer.
    explainer = createServer((incoming, outgoing) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
      incoming.on('end', () => {
        explained.push({ url: incoming.url, body });
        outgoing.writeHead(200, { 'content-type': 'application/json' }).end('{"explanations":[{"anchor":["petal length <= 2.5"]}]}');
      });
    });
    explainer.listen(0, '127.0.0.1');
    await once(explainer, 'listening');
    const { port } = explainer.address() as AddressInfo;
    server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { explainerUrl: `http://127.0.0.1:${port}`, metricsPort: 0 });
    plain = await startTestServer([{ name: 'iris', uri: IRIS_DIR }]);
  });

  afterAll(async () => {
    await Promise.all([server.close(), plain.close()]);
    explainer.close();
  });

  it('GET /v1/models/iris says it is ready; an unknown model is 404', async () => {
    expect(await request(server, 'GET', '/v1/models/iris')).toMatchObject({ status: 200, body: { name: 'iris', ready: true } });
    expect(await request(server, 'GET', '/v1/models/nope')).toMatchObject({ status: 404, body: { error: "Request for unknown model: 'nope' is not found" } });
  });

  it(':predict with instances answers one prediction per row with onnxruntime\'s label', async () => {
    const response = await postJson(server, '/v1/models/iris:predict', { instances: rows });
    expect(response.status).toBe(200);
    const predictions = (response.body as { predictions: { label: number; probabilities: number[] }[] }).predictions;
    expect(predictions.map((prediction) => prediction.label)).toEqual(expectedOutput(expected, 'label').data);
    expect(predictions[0]?.probabilities).toHaveLength(3);
  });

  it(':predict with columnar inputs answers columnar outputs', async () => {
    const response = await postJson(server, '/v1/models/iris:predict', { inputs: rows });
    expect(response.status).toBe(200);
    expect((response.body as { outputs: { label: number[] } }).outputs.label).toEqual(expectedOutput(expected, 'label').data);
  });

  it.each<[string, unknown, string]>([
    ['neither form', {}, "v1 request needs exactly one of 'instances' (row format) or 'inputs' (columnar format)"],
    ['ragged rows', { instances: [[1, 2, 3, 4], [1, 2, 3]] }, "input 'input' is ragged: every array at depth 1 must hold 4 elements"],
    ['rows of the wrong width', { instances: [[1, 2, 3]] }, "unexpected shape for input 'input' for model 'iris'. Expected [-1,4], got [1,3]"],
  ])(':predict with %s is 400 with the reason', async (_name, body, message) => {
    expect(await postJson(server, '/v1/models/iris:predict', body)).toMatchObject({ status: 400, body: { error: message } });
  });

  it(':explain is relayed to the explainer with the body, and its answer comes back', async () => {
    const response = await postJson(server, '/v1/models/iris:explain', { instances: [rows[0]] });
    expect(response).toMatchObject({ status: 200, body: { explanations: [{ anchor: ['petal length <= 2.5'] }] } });
    expect(explained.at(-1)).toEqual({ url: '/v1/models/iris:explain', body: JSON.stringify({ instances: [rows[0]] }) });
  });

  it(":explain calls are timed in KServe's request_explain_seconds, and :predict calls are not", async () => {
    const explainCount = async () => {
      const page = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      return Number(/^request_explain_seconds_count\{model_name="iris"\} (\d+)$/m.exec(page)?.[1] ?? 0);
    };
    const before = await explainCount();
    expect((await postJson(server, '/v1/models/iris:explain', { instances: [rows[0]] })).status).toBe(200);
    expect((await postJson(server, '/v1/models/iris:explain', { instances: [rows[1]] })).status).toBe(200);
    expect((await postJson(server, '/v1/models/iris:predict', { instances: [rows[0]] })).status).toBe(200);
    expect(await explainCount()).toBe(before + 2);
  });

  it(':explain without an explainer is 404 saying how to configure one; an unknown verb is 404', async () => {
    expect(await postJson(plain, '/v1/models/iris:explain', { instances: [rows[0]] })).toMatchObject({
      status: 404,
      body: { error: "model 'iris' has no explainer: start kfs-runtime with --explainer-url to relay :explain calls" },
    });
    expect(await postJson(plain, '/v1/models/iris:classify', {})).toMatchObject({ status: 404 });
  });
});
