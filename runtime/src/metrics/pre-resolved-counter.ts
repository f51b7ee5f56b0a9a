import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** One labelled series of a PreResolvedCounter: what the hot path holds and increments. */
export class CounterSeries {
  value = 0;

  constructor(
    readonly labels: Labels,
    private readonly firstIncremented: (series: CounterSeries) => void,
  ) {}

  inc(): void {
    if (this.value++ === 0) this.firstIncremented(this);
  }
}

/**
 * A Prometheus counter for series known up front, rendered by prom-client's registry exactly as
 * its own Counter is (see PreResolvedHistogram for why): a series is listed from its first
 * increment on, in that order, and incrementing it is one addition.
 */
export class PreResolvedCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, CounterSeries>();
  #listed: CounterSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // prom-client's registry takes any object with its metric shape; its typings list only its own classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series with these labels, created on first ask; hold on to it. */
  series(labels: Labels): CounterSeries {
    const key = JSON.stringify(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new CounterSeries({ ...labels }, (incremented) => this.#listed.push(incremented));
      this.#series.set(key, series);
    }
    return series;
  }

  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.#listed.map((series) => ({ value: series.value, labels: { ...series.labels } })), aggregator: this.aggregator };
  }

  /** Forgets every count; series are listed again from their next increment. */
  reset(): void {
    for (const series of this.#series.values()) series.value = 0;
    this.#listed = [];
  }
}
