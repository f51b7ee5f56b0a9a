import { Backoff } from '../../../runtime/src/controller/backoff';
import { WorkQueue } from '../../../runtime/src/controller/work-queue';

describe('WorkQueue: one reconcile per key at a time, never a lost change', () => {
  test('a key added several times while waiting is handed out once', async () => {
    const queue = new WorkQueue();
    queue.add('models/a');
    queue.add('models/b');
    queue.add('models/a');
    expect(await queue.get()).toBe('models/a');
    expect(await queue.get()).toBe('models/b');
    expect(queue.length).toBe(2);
  });

  test('a key added while it is being processed is not given to a second worker, but comes back after done()', async () => {
    const queue = new WorkQueue();
    queue.add('models/a');
    const key = await queue.get();
    queue.add('models/a');
    let second: string | undefined = 'nothing yet';
    void queue.get().then((next) => (second = next));
    await new Promise((resolve) => setImmediate(resolve));
    expect(second).toBe('nothing yet');
    queue.done(key!);
    await new Promise((resolve) => setImmediate(resolve));
    expect(second).toBe('models/a');
  });

  test('addAfter keeps the earliest time; an immediate add cancels the delay', async () => {
    const queue = new WorkQueue();
    queue.addAfter('models/a', 60_000);
    queue.addAfter('models/a', 20);
    queue.addAfter('models/a', 30_000);
    const started = Date.now();
    expect(await queue.get()).toBe('models/a');
    expect(Date.now() - started).toBeLessThan(5_000);
    queue.done('models/a');
    queue.addAfter('models/b', 60_000);
    queue.add('models/b');
    expect(await queue.get()).toBe('models/b');
    queue.shutDown();
  });

  test('shutDown releases waiting workers with undefined', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add('models/a');
    expect(await queue.get()).toBeUndefined();
  });
});

describe('Backoff: capped exponential with jitter', () => {
  test('doubles from the initial delay up to the cap, jittered within the upper half, and resets', () => {
    const low = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });
});
