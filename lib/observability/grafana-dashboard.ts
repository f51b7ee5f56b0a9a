import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { isDns1123Label, propError } from '../_validation';
import { dashboardJson } from './_dashboard-json';

/** Where the dashboard lands and how Grafana finds it. */
export interface GrafanaDashboardProps {
  /**
   * Name of the ConfigMap.
   * @default 'kfs-runtime-dashboard'
   */
  readonly name?: string;

  /**
   * Namespace of the ConfigMap (the one Grafana's dashboard sidecar watches).
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * The dashboard's title.
   * @default 'kfs-runtime'
   */
  readonly title?: string;

  /**
   * The dashboard's uid, stable across updates (also the file name, `<uid>.json`).
   * @default 'kfs-runtime'
   */
  readonly uid?: string;

  /**
   * Labels by which Grafana's dashboard sidecar discovers the ConfigMap.
   * @default { grafana_dashboard: '1' } (the kube-prometheus-stack default)
   */
  readonly discoveryLabels?: { [key: string]: string };

  /**
   * Grafana folder, via the sidecar's `grafana_folder` annotation.
   * @default - the sidecar's default folder
   */
  readonly folder?: string;
}

/**
 * A Grafana dashboard for kfs-runtime's Prometheus metrics (see `RuntimeMetric`): request rate and
 * failures, KServe's latency histograms, queue vs compute time, batch sizes, model load state, the
 * request logger, CPU and memory. Shipped as a ConfigMap for Grafana's dashboard sidecar; filter by
 * namespace and model in the dashboard.
 */
export class GrafanaDashboard extends Construct {
  /** The ConfigMap holding `<uid>.json`. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The dashboard JSON, as written into the ConfigMap. */
  public readonly json: string;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps = {}) {
    super(scope, id);
    const name = props.name ?? 'kfs-runtime-dashboard';
    const owner = `GrafanaDashboard '${name}'`;
    if (name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
      throw propError(owner, 'name', name, 'is not a ConfigMap name', 'use lowercase letters, digits, "-" and "."');
    }
    const uid = props.uid ?? 'kfs-runtime';
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(uid)) {
      throw propError(owner, 'uid', uid, 'is not a Grafana dashboard uid', 'use up to 40 letters, digits, "-" and "_"');
    }
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (namespace !== undefined && !isDns1123Label(namespace)) {
      throw propError(owner, 'namespace', namespace, 'is not a namespace name', 'use lowercase letters, digits and "-"');
    }
    this.json = `${JSON.stringify(dashboardJson({ title: props.title ?? 'kfs-runtime', uid }), null, 2)}\n`;
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name,
        namespace,
        labels: props.discoveryLabels ?? { grafana_dashboard: '1' },
        annotations: props.folder !== undefined ? { grafana_folder: props.folder } : undefined,
      },
      data: { [`${uid}.json`]: this.json },
    });
  }
}
