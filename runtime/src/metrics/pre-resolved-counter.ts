import { type Labels, PreResolvedMetric } from './pre-resolved-metric';

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

  reset(): void {
    this.value = 0;
  }
}

/**
 * A Prometheus counter for series known up front, rendered by prom-client's registry exactly as
 * its own Counter is (see PreResolvedHistogram for why): incrementing a series is one addition.
 */
export class PreResolvedCounter extends PreResolvedMetric<CounterSeries> {
  readonly type = 'counter';

  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.listed.map((series) => ({ value: series.value, labels: { ...series.labels } })), aggregator: this.aggregator };
  }

  protected newSeries(labels: Labels, firstUsed: (series: CounterSeries) => void): CounterSeries {
    return new CounterSeries(labels, firstUsed);
  }
}
