import type { Metric, Registry } from 'prom-client';

export type Labels = Readonly<Record<string, string>>;

/** What a pre-resolved metric's series need: to be zeroed. */
export interface ResettableSeries {
  reset(): void;
}

/**
 * A Prometheus metric whose labelled series are resolved once and held by the hot path, rendered
 * by prom-client's registry like its own classes (PreResolvedHistogram, PreResolvedCounter). A
 * series is listed from its first use on, in that order, as prom-client lists its label sets.
 */
export abstract class PreResolvedMetric<Series extends ResettableSeries> {
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();
  /** Series used at least once, in the order of their first use. */
  protected listed: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // prom-client's registry takes any object with its metric shape; its typings list only its own classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series with these labels, created on first ask; hold on to it. */
  series(labels: Labels): Series {
    const key = JSON.stringify(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.newSeries({ ...labels }, (used) => this.listed.push(used));
      this.#series.set(key, series);
    }
    return series;
  }

  /** Forgets every value; series are listed again from their next use. */
  reset(): void {
    for (const series of this.#series.values()) series.reset();
    this.listed = [];
  }

  /** A new series, which calls `firstUsed` with itself the first time it takes a value. */
  protected abstract newSeries(labels: Labels, firstUsed: (series: Series) => void): Series;
}
