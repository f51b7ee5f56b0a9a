import { Counter, Histogram, Registry } from 'prom-client';
import { PreResolvedCounter } from '../../../runtime/src/metrics/pre-resolved-counter';
import { PreResolvedHistogram } from '../../../runtime/src/metrics/pre-resolved-histogram';

const BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1];
/** On a bound, between bounds, below the first, above the last, and fractions whose sum rounds. */
const VALUES = [0.0001, 0.00005, 0.0003, 0.001, 0.0099, 0.1, 0.7, 1, 2.5, 0.1 + 0.2, 1e-9];

/** The same observations through prom-client's own classes and through the pre-resolved ones. */
function twoRegistries() {
  const theirs = new Registry();
  const ours = new Registry();
  const theirHistogram = new Histogram({ name: 'phase_seconds', help: 'A phase.', labelNames: ['model_name'] as const, buckets: BUCKETS, registers: [theirs] });
  const theirCounter = new Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['model_name', 'outcome'] as const, registers: [theirs] });
  const ourHistogram = new PreResolvedHistogram('phase_seconds', 'A phase.', BUCKETS, ours);
  const ourCounter = new PreResolvedCounter('requests_total', 'Requests.', ours);
  return {
    theirs,
    ours,
    observe(model: string, value: number) {
      theirHistogram.labels({ model_name: model }).observe(value);
      ourHistogram.series({ model_name: model }).observe(value);
    },
    count(model: string, outcome: string) {
      theirCounter.labels({ model_name: model, outcome }).inc();
      ourCounter.series({ model_name: model, outcome }).inc();
    },
    reset() {
      theirs.resetMetrics();
      ours.resetMetrics();
    },
  };
}

describe('pre-resolved histogram and counter', () => {
  it("render exactly the page prom-client's Histogram and Counter render for the same observations", async () => {
    const both = twoRegistries();
    // Series asked for but never observed stay off the page, as with prom-client.
    new PreResolvedHistogram('unused_seconds', 'Never observed.', BUCKETS, new Registry()).series({ model_name: 'x' });
    for (const value of VALUES) both.observe('mlp', value);
    both.count('mlp', 'success');
    both.observe('iris', 0.002);
    both.count('iris', 'failure');
    both.count('mlp', 'success');
    both.count('iris', 'success');
    const page = await both.ours.metrics();
    expect(page).toBe(await both.theirs.metrics());
    // A few lines spelled out, so the test does not only compare two equal mistakes.
    expect(page).toContain('phase_seconds_bucket{le="0.0001",model_name="mlp"} 3\n');
    expect(page).toContain('phase_seconds_bucket{le="1",model_name="mlp"} 10\n');
    expect(page).toContain('phase_seconds_bucket{le="+Inf",model_name="mlp"} 11\n');
    expect(page).toContain('phase_seconds_count{model_name="iris"} 1\n');
    expect(page).toContain('requests_total{model_name="mlp",outcome="success"} 2\n');
    expect(page.indexOf('model_name="mlp"')).toBeLessThan(page.indexOf('model_name="iris"'));
    expect(await both.ours.getMetricsAsJSON()).toEqual(await both.theirs.getMetricsAsJSON());
  });

  it('forget everything on reset and list series again from their next observation, as prom-client does', async () => {
    const both = twoRegistries();
    both.observe('a', 0.5);
    both.count('a', 'success');
    both.reset();
    expect(await both.ours.metrics()).toBe(await both.theirs.metrics());
    both.observe('b', 0.05);
    both.observe('a', 0.0002);
    both.count('b', 'failure');
    expect(await both.ours.metrics()).toBe(await both.theirs.metrics());
  });

  it('refuse a value that is not a finite number, as prom-client does', () => {
    const series = new PreResolvedHistogram('h', 'h', BUCKETS, new Registry()).series({ model_name: 'm' });
    expect(() => series.observe(Number.NaN)).toThrow(new TypeError('Value is not a valid number: NaN'));
    expect(series.count).toBe(0);
  });
});
