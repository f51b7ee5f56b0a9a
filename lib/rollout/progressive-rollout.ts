import { ValidationError, quote } from '../_validation';
import { CanaryOptions, CanaryRollout } from './canary-rollout';

/** A canary and the percentages it steps through. */
export interface ProgressiveRolloutProps extends CanaryOptions {
  /**
   * Percentages of requests the canary takes at each step, strictly increasing whole numbers from 1 to 100.
   * @default [10, 50, 100]
   */
  readonly steps?: number[];
}

/**
 * A canary rolled out in steps, one commit per step: the step number lives in your code, so git history
 * is the rollout's audit log and every step is reviewed like any change. Nothing depends on what the
 * cluster reports, so rolling back from any step (or after promotion) is one more commit.
 *
 * @example
 * const rollout = new ProgressiveRollout({ predictor: v2 });   // 10 → 50 → 100
 * new InferenceService(chart, 'iris', { predictor: v1, canary: rollout.step(1) });   // commit 1: 10 %
 * // commit 2: rollout.step(2) (50 %); commit 3: rollout.step(3) (100 %); commit 4: rollout.promote();
 * // commit 5: predictor: v2 and no canary. At any point: canary: rollout.rollback().
 */
export class ProgressiveRollout {
  private readonly percents: number[];
  private readonly options: CanaryOptions;

  constructor(props: ProgressiveRolloutProps) {
    const { steps, ...options } = props;
    this.percents = [...steps ?? [10, 50, 100]];
    if (this.percents.length === 0) {
      throw new ValidationError('ProgressiveRollout: steps ([]) is empty; give the percentages to step through, e.g. [10, 50, 100]');
    }
    this.percents.forEach((percent, index) => {
      if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
        throw new ValidationError(`ProgressiveRollout: steps[${index}] (${quote(percent)}) is not a whole number from 1 to 100; Knative splits traffic in whole percents, and 0 is rollback()`);
      }
      if (index > 0 && percent <= this.percents[index - 1]) {
        throw new ValidationError(`ProgressiveRollout: steps[${index}] (${percent}) is not above the step before it (${this.percents[index - 1]}); list the percentages in increasing order`);
      }
    });
    this.options = options;
    // Fail now, not at some later step, if the options themselves are invalid.
    this.step(1);
  }

  /** The percentages, in order (a copy). */
  public get steps(): number[] {
    return [...this.percents];
  }

  /**
   * The canary at step `step`, counted from 1 (`step(1)` is the first percentage).
   * @param step 1 to the number of steps
   */
  public step(step: number): CanaryRollout {
    const steps = this.percents;
    if (!Number.isInteger(step) || step < 1 || step > steps.length) {
      throw new ValidationError(`ProgressiveRollout: step (${quote(step)}) is not one of the ${steps.length} steps [${steps.join(', ')}]; use 1 to ${steps.length}, rollback() or promote()`);
    }
    return new CanaryRollout({ ...this.options, percent: steps[step - 1] });
  }

  /** The canary promoted (see `CanaryRollout.promote`). */
  public promote(): CanaryRollout {
    return this.step(this.percents.length).promote();
  }

  /** Every request back on the stable revision, from whatever step (see `CanaryRollout.rollback`). */
  public rollback(): CanaryRollout {
    return this.step(1).rollback();
  }
}
