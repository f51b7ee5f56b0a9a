import type { Registry } from 'prom-client';
import { type Labels, PreResolvedMetric } from './pre-resolved-metric';

/** One labelled series of a PreResolvedHistogram: what the hot path holds and observes into. */
export class HistogramSeries {
  /** Observations per bucket, not cumulative: [i] counts values in (bounds[i-1], bounds[i]]. */
  readonly bucketCounts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
    private readonly firstObserved: (series: HistogramSeries) => void,
  ) {
    this.bucketCounts = bounds.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    // Above the last bound only +Inf (the count) holds it.
    if (bucket < bounds.length) this.bucketCounts[bucket]!++;
    this.sum += value;
    if (this.count++ === 0) this.firstObserved(this);
  }

  reset(): void {
    this.bucketCounts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A Prometheus histogram for series that are known up front (one per model), as prom-client's
 * registry renders its own: same `_bucket`/`_sum`/`_count` lines, labels and order, so `/metrics`
 * reads exactly as with prom-client's Histogram. What differs is the hot path: prom-client's
 * labelled child still validates and hashes its labels object on every observe; a HistogramSeries
 * is resolved once, and observing is a bucket scan and three additions.
 */
export class PreResolvedHistogram extends PreResolvedMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, registry);
  }

  /** For the registry's text page: bucket lines cumulative up to +Inf, then sum and count, per series. */
  async getForPromString() {
    const bucketName = `${this.name}_bucket`;
    const values: { labels: Record<string, string | number>; sharedLabels: Labels; value: number; metricName: string; exemplar?: null }[] = [];
    for (const series of this.listed) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += series.bucketCounts[i]!;
        values.push({ labels: { le: this.buckets[i]! }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: null });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As JSON (the registry's getMetricsAsJSON): each value's series labels merged into its own. */
  async get() {
    const data = await this.getForPromString();
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })) };
  }

  protected newSeries(labels: Labels, firstUsed: (series: HistogramSeries) => void): HistogramSeries {
    return new HistogramSeries(labels, this.buckets, firstUsed);
  }
}
