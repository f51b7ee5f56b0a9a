import { GrafanaDashboard, RuntimeMetric } from '../../../lib';
import { errorOf, newChart, synth } from '../_util';

describe('GrafanaDashboard', () => {
  const chart = newChart('monitoring');
  const dashboard = new GrafanaDashboard(chart, 'dashboard', { folder: 'Model serving' });
  const [configMap] = synth(chart);
  const model = JSON.parse(configMap.data['kfs-runtime.json']);

  test('a ConfigMap Grafana\'s dashboard sidecar discovers, with the dashboard as <uid>.json', () => {
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.metadata).toEqual({
      name: 'kfs-runtime-dashboard',
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1' },
      annotations: { grafana_folder: 'Model serving' },
    });
    expect(Object.keys(configMap.data)).toEqual(['kfs-runtime.json']);
    expect(configMap.data['kfs-runtime.json']).toBe(dashboard.json);
  });

  test('snapshot of the dashboard model', () => {
    expect(model).toMatchSnapshot();
  });

  test('every query reads a metric the runtime serves, and the KServe latency histograms are all charted', () => {
    const metricNames = new Set<string>(Object.values(RuntimeMetric));
    const exprs: string[] = model.panels.flatMap((panel: any) => panel.targets.map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const used = [...expr.matchAll(/([a-z_]+)(?:_bucket|_sum|_count)?\{/g)].map(m => m[1].replace(/_(bucket|sum|count)$/, ''));
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) expect(metricNames).toContain(name);
    }
    for (const histogram of [RuntimeMetric.PREDICT_SECONDS, RuntimeMetric.PREPROCESS_SECONDS, RuntimeMetric.POSTPROCESS_SECONDS, RuntimeMetric.EXPLAIN_SECONDS]) {
      expect(exprs.some(e => e.includes(`${histogram}_bucket`))).toBe(true);
    }
  });

  test('panels tile a 24-column grid without overlapping, with unique ids and per-panel refIds', () => {
    const cells = new Set<string>();
    for (const panel of model.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      const cell = `${panel.gridPos.x},${panel.gridPos.y}`;
      expect(cells.has(cell)).toBe(false);
      cells.add(cell);
      expect(new Set(panel.targets.map((t: any) => t.refId)).size).toBe(panel.targets.length);
    }
    expect(new Set(model.panels.map((p: any) => p.id)).size).toBe(model.panels.length);
    expect(model.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'namespace', 'model']);
  });

  test('name, uid, title and discovery labels can be chosen', () => {
    const other = newChart();
    new GrafanaDashboard(other, 'd', { name: 'iris-dashboard', uid: 'iris', title: 'Iris', discoveryLabels: { dashboards: 'ml' } });
    const [cm] = synth(other);
    expect(cm.metadata).toEqual({ name: 'iris-dashboard', namespace: 'models', labels: { dashboards: 'ml' } });
    expect(JSON.parse(cm.data['iris.json'])).toMatchObject({ uid: 'iris', title: 'Iris' });
  });

  test('invalid names are refused with the fix', () => {
    expect(errorOf(() => new GrafanaDashboard(newChart(), 'd', { name: 'My Dashboard' })))
      .toBe(`GrafanaDashboard 'My Dashboard': name ('My Dashboard') is not a ConfigMap name; use lowercase letters, digits, "-" and "."`);
    expect(errorOf(() => new GrafanaDashboard(newChart(), 'd', { uid: 'a/b' })))
      .toBe(`GrafanaDashboard 'kfs-runtime-dashboard': uid ('a/b') is not a Grafana dashboard uid; use up to 40 letters, digits, "-" and "_"`);
  });
});
