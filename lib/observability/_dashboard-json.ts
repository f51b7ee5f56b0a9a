import { RuntimeMetric } from './runtime-metrics';

/**
 * The Grafana dashboard model (schema 39) for kfs-runtime's metrics, built as data so tests can check
 * every query names a metric the runtime serves.
 * @internal
 */
export interface DashboardJsonInput {
  readonly title: string;
  readonly uid: string;
}

interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly description: string;
  readonly targets: { expr: string; legend: string }[];
}

const SEL = 'namespace=~"$namespace", model_name=~"$model"';
const RATE = '[$__rate_interval]';

function quantiles(metric: RuntimeMetric, qs: number[]): { expr: string; legend: string }[] {
  return qs.map(q => ({
    expr: `histogram_quantile(${q}, sum by (le, model_name) (rate(${metric}_bucket{${SEL}}${RATE})))`,
    legend: `{{model_name}} p${Math.round(q * 100)}`,
  }));
}

const PANELS: PanelSpec[] = [
  {
    title: 'Requests per second',
    unit: 'reqps',
    description: 'Inference requests by model and outcome.',
    targets: [{ expr: `sum by (model_name, outcome) (rate(${RuntimeMetric.REQUESTS_TOTAL}{${SEL}}${RATE}))`, legend: '{{model_name}} {{outcome}}' }],
  },
  {
    title: 'Failure ratio',
    unit: 'percentunit',
    description: 'Share of inference requests that failed.',
    targets: [{
      expr: `sum by (model_name) (rate(${RuntimeMetric.REQUESTS_TOTAL}{${SEL}, outcome="failure"}${RATE})) / sum by (model_name) (rate(${RuntimeMetric.REQUESTS_TOTAL}{${SEL}}${RATE}))`,
      legend: '{{model_name}}',
    }],
  },
  {
    title: 'Predict latency',
    unit: 's',
    description: `${RuntimeMetric.PREDICT_SECONDS} (KServe's name): p50, p95, p99.`,
    targets: quantiles(RuntimeMetric.PREDICT_SECONDS, [0.5, 0.95, 0.99]),
  },
  {
    title: 'Pre- and post-processing latency (p95)',
    unit: 's',
    description: `${RuntimeMetric.PREPROCESS_SECONDS} and ${RuntimeMetric.POSTPROCESS_SECONDS}.`,
    targets: [
      ...quantiles(RuntimeMetric.PREPROCESS_SECONDS, [0.95]).map(t => ({ ...t, legend: `${t.legend} preprocess` })),
      ...quantiles(RuntimeMetric.POSTPROCESS_SECONDS, [0.95]).map(t => ({ ...t, legend: `${t.legend} postprocess` })),
    ],
  },
  {
    title: 'Queue and compute time (p95)',
    unit: 's',
    description: 'Time waiting for a batch versus running the model.',
    targets: [
      ...quantiles(RuntimeMetric.QUEUE_SECONDS, [0.95]).map(t => ({ ...t, legend: `${t.legend} queue` })),
      ...quantiles(RuntimeMetric.COMPUTE_SECONDS, [0.95]).map(t => ({ ...t, legend: `${t.legend} compute` })),
    ],
  },
  {
    title: 'Batch size',
    unit: 'short',
    description: 'Average rows per model run, and p95.',
    targets: [
      { expr: `sum by (model_name) (rate(${RuntimeMetric.BATCH_SIZE}_sum{${SEL}}${RATE})) / sum by (model_name) (rate(${RuntimeMetric.BATCH_SIZE}_count{${SEL}}${RATE}))`, legend: '{{model_name}} mean' },
      ...quantiles(RuntimeMetric.BATCH_SIZE, [0.95]),
    ],
  },
  {
    title: 'Explain latency (p95)',
    unit: 's',
    description: `${RuntimeMetric.EXPLAIN_SECONDS} (KServe's name).`,
    targets: quantiles(RuntimeMetric.EXPLAIN_SECONDS, [0.95]),
  },
  {
    title: 'Models loaded',
    unit: 'short',
    description: 'Replicas that report each model loaded and ready.',
    targets: [{ expr: `sum by (model_name) (${RuntimeMetric.MODEL_LOADED}{${SEL}})`, legend: '{{model_name}}' }],
  },
  {
    title: 'Model load time (p95)',
    unit: 's',
    description: `${RuntimeMetric.MODEL_LOAD_SECONDS}.`,
    targets: quantiles(RuntimeMetric.MODEL_LOAD_SECONDS, [0.95]),
  },
  {
    title: 'Request logger and tracing',
    unit: 'short',
    description: 'CloudEvents waiting to be sent; CloudEvents and spans dropped per second (a slow or unreachable sink or collector; never silently).',
    targets: [
      { expr: `sum by (pod) (${RuntimeMetric.LOGGER_QUEUE_DEPTH}{namespace=~"$namespace"})`, legend: '{{pod}} queued' },
      { expr: `sum by (pod) (rate(${RuntimeMetric.LOGGER_DROPPED_TOTAL}{namespace=~"$namespace"}${RATE}))`, legend: '{{pod}} dropped/s' },
      { expr: `sum by (pod) (rate(${RuntimeMetric.TRACING_DROPPED_SPANS_TOTAL}{namespace=~"$namespace"}${RATE}))`, legend: '{{pod}} spans dropped/s' },
    ],
  },
  {
    title: 'CPU',
    unit: 'short',
    description: 'CPU cores used by each model-server process.',
    targets: [{ expr: `sum by (pod) (rate(${RuntimeMetric.PROCESS_CPU_SECONDS}{namespace=~"$namespace", container="kserve-container"}${RATE}))`, legend: '{{pod}}' }],
  },
  {
    title: 'Memory',
    unit: 'bytes',
    description: 'Resident memory of each model-server process.',
    targets: [{ expr: `sum by (pod) (${RuntimeMetric.PROCESS_RESIDENT_MEMORY}{namespace=~"$namespace", container="kserve-container"})`, legend: '{{pod}}' }],
  },
];

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export function dashboardJson(input: DashboardJsonInput): Record<string, unknown> {
  return {
    uid: input.uid,
    title: input.title,
    tags: ['kfs-runtime', 'kserve', 'inference'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        {
          name: 'namespace', label: 'Namespace', type: 'query', datasource: DATASOURCE, refresh: 2, includeAll: true, multi: true,
          definition: `label_values(${RuntimeMetric.PREDICT_SECONDS}_count, namespace)`,
          query: { query: `label_values(${RuntimeMetric.PREDICT_SECONDS}_count, namespace)`, refId: 'namespace' },
        },
        {
          name: 'model', label: 'Model', type: 'query', datasource: DATASOURCE, refresh: 2, includeAll: true, multi: true,
          definition: `label_values(${RuntimeMetric.PREDICT_SECONDS}_count{namespace=~"$namespace"}, model_name)`,
          query: { query: `label_values(${RuntimeMetric.PREDICT_SECONDS}_count{namespace=~"$namespace"}, model_name)`, refId: 'model' },
        },
      ],
    },
    panels: PANELS.map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      description: panel.description,
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: panel.targets.map((target, i) => ({ datasource: DATASOURCE, expr: target.expr, legendFormat: target.legend, refId: String.fromCharCode(65 + i) })),
    })),
  };
}
