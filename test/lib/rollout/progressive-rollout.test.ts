import { InferenceService, ProgressiveRollout, RequestMatch, RolloutPhase } from '../../../lib';
import { find, newChart, synth } from '../_util';
import { v1, v2 } from './_fixtures';

/** What one commit of the rollout deploys: the predictor's template name and traffic. */
function commit(canary?: ReturnType<ProgressiveRollout['step']>): { template: string; traffic: Array<[string, number, string | undefined]> } {
  const chart = newChart();
  new InferenceService(chart, 'iris', { predictor: v1, canary });
  const spec = find(synth(chart), 'Service', 'iris-predictor').spec;
  return { template: spec.template.metadata.name, traffic: spec.traffic.map((t: any) => [t.revisionName ?? '(latest ready)', t.percent, t.tag]) };
}

describe('ProgressiveRollout: 10 → 50 → 100 across commits', () => {
  const rollout = new ProgressiveRollout({ predictor: v2, canaryWhen: [RequestMatch.header('x-canary', 'always')] });
  const stable = commit().template;
  const canary = commit(rollout.step(1)).template;

  test('default steps are 10, 50, 100', () => {
    expect(rollout.steps).toEqual([10, 50, 100]);
    expect([1, 2, 3].map(step => rollout.step(step).percent)).toEqual([10, 50, 100]);
    expect(rollout.step(2).canaryWhen).toHaveLength(1);
  });

  test('each step keeps both revision names and moves only the percentages', () => {
    expect([1, 2, 3].map(step => commit(rollout.step(step)))).toEqual([
      { template: canary, traffic: [[canary, 10, 'latest'], [stable, 90, 'prev']] },
      { template: canary, traffic: [[canary, 50, 'latest'], [stable, 50, 'prev']] },
      { template: canary, traffic: [[canary, 100, 'latest'], [stable, 0, 'prev']] },
    ]);
  });

  test('promote() is the last step without routing rules', () => {
    const promoted = rollout.promote();
    expect(promoted.phase).toBe(RolloutPhase.PROMOTED);
    expect(promoted.percent).toBe(100);
    expect(promoted.canaryWhen).toEqual([]);
    expect(commit(promoted).traffic).toEqual([[canary, 100, 'latest'], [stable, 0, 'prev']]);
  });

  test('rollback() pins the stable revision by name from any step, without reading the cluster', () => {
    const rolledBack = rollout.rollback();
    expect(rolledBack.phase).toBe(RolloutPhase.ROLLED_BACK);
    expect(commit(rolledBack).traffic).toEqual([[canary, 0, 'latest'], [stable, 100, 'prev']]);
  });

  test('custom steps', () => {
    const fine = new ProgressiveRollout({ predictor: v2, steps: [1, 5, 25, 100] });
    expect([1, 2, 3, 4].map(step => fine.step(step).percent)).toEqual([1, 5, 25, 100]);
  });

  test('the steps array is copied in and out', () => {
    const steps = [10, 20];
    const rolled = new ProgressiveRollout({ predictor: v2, steps });
    steps.push(5);
    rolled.steps.push(30);
    expect(rolled.steps).toEqual([10, 20]);
  });
});
