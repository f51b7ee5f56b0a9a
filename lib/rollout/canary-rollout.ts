import * as kserve from '../_kserve';
import { ValidationError, isDns1035Label, quote } from '../_validation';
import { ExplainerProps } from '../components/explainer';
import { PredictorProps } from '../components/predictor';
import { TransformerProps } from '../components/transformer';
import { RequestMatch } from './request-match';

/** Where a canary rollout stands. */
export enum RolloutPhase {
  /** The canary takes `percent` of the requests, plus those matched by `canaryWhen`. */
  CANARY = 'Canary',
  /**
   * The canary takes every request; the stable revision keeps its `prev` tag at 0 %, so it stays
   * reachable and Knative does not garbage-collect it before you are sure.
   */
  PROMOTED = 'Promoted',
  /** Every request is pinned to the stable revision by name; the canary stays reachable at its `latest` tag. */
  ROLLED_BACK = 'RolledBack',
}

/** What a canary rolls out, and how requests reach it besides the percentage. */
export interface CanaryOptions {
  /**
   * The predictor to roll out, in full (like `InferenceServiceProps.predictor`, which stays the stable
   * revision).
   * @default - the predictor is not rolled out
   */
  readonly predictor?: PredictorProps;

  /**
   * The transformer to roll out, in full.
   * @default - the transformer is not rolled out
   */
  readonly transformer?: TransformerProps;

  /**
   * The explainer to roll out, in full.
   * @default - the explainer is not rolled out
   */
  readonly explainer?: ExplainerProps;

  /**
   * Requests that always go to the canary, whatever the percentage: any one of the conditions is enough
   * (e.g. `RequestMatch.header('x-canary', 'always')`). Routed by the top-level VirtualService to the
   * canary's `latest` tag.
   * @default - none: requests are split by percentage only
   */
  readonly canaryWhen?: RequestMatch[];

  /**
   * Requests that always go to the stable revision, whatever the percentage (for A/B tests: one
   * variant by header, the other by `canaryWhen`). Checked before `canaryWhen`.
   * @default - none
   */
  readonly stableWhen?: RequestMatch[];

  /**
   * Copies this percentage of the requests (0–100, fractions allowed) to the canary and discards its
   * responses: a shadow rollout. Only a canary that takes no live traffic (`percent: 0`) can be
   * mirrored, or it would see some requests twice.
   * @default - no mirroring
   */
  readonly mirrorPercent?: number;

  /**
   * Extra traffic tags for the canary revision, each giving it one more URL, `<tag>-<isvc>-<component>`,
   * besides its `latest` tag.
   * @default - only `latest`
   */
  readonly canaryTags?: string[];

  /**
   * Extra traffic tags for the stable revision, besides its `prev` tag.
   * @default - only `prev`
   */
  readonly stableTags?: string[];
}

/** A canary rollout at one percentage. */
export interface CanaryRolloutProps extends CanaryOptions {
  /**
   * Share of requests, 0–100, that go to the canary revisions; the stable revisions take the rest.
   * `0` sends everything back to the stable revision.
   */
  readonly percent: number;
}

/**
 * A canary rollout of an InferenceService (`InferenceServiceProps.canary`): the stable components are
 * the InferenceService's own props and the canary components are described here in full, so both Knative
 * revision names are known when the app synthesizes and the traffic split names them both. Nothing is
 * read back from the cluster: promoting or rolling back is a code change, reviewed and reverted like any
 * other.
 *
 * Each rolled-out component's Knative Service gets the canary as its template and the traffic
 * `[{revisionName: <canary>, percent, tag: latest}, {revisionName: <stable>, percent: 100 - percent, tag: prev}]`.
 * The stable revision must already exist in the cluster, which it does when the previous commit deployed it.
 *
 * In raw deployment mode each rolled-out component runs a second Deployment and Service,
 * `<isvc>-<component>-<revision id or pod-template hash>`, beside the stable `<isvc>-<component>`, with
 * Services per tag, and Istio VirtualServices weigh the two (see docs/rollout.md).
 *
 * Values of this class are immutable: `withPercent`, `promote` and `rollback` return new ones.
 *
 * @example
 * new InferenceService(chart, 'iris', {
 *   predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'iris/1') } },
 *   canary: new CanaryRollout({
 *     predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'iris/2') } },
 *     percent: 10,
 *   }),
 * });
 */
export class CanaryRollout {
  private static inPhase(props: CanaryRolloutProps, phase: RolloutPhase): CanaryRollout {
    const rollout = new CanaryRollout(props);
    rollout._phase = phase;
    return rollout;
  }

  /** Share of requests that go to the canary. */
  public readonly percent: number;
  /** The canary predictor, if the predictor is rolled out. */
  public readonly predictor?: PredictorProps;
  /** The canary transformer, if the transformer is rolled out. */
  public readonly transformer?: TransformerProps;
  /** The canary explainer, if the explainer is rolled out. */
  public readonly explainer?: ExplainerProps;
  /** Percentage of requests mirrored to the canary, if any. */
  public readonly mirrorPercent?: number;

  private readonly options: CanaryOptions;
  private _phase: RolloutPhase = RolloutPhase.CANARY;

  constructor(props: CanaryRolloutProps) {
    const { percent, ...options } = props;
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new ValidationError(`CanaryRollout: percent (${quote(percent)}) is not a whole number from 0 to 100; Knative splits traffic in whole percents`);
    }
    if (!props.predictor && !props.transformer && !props.explainer) {
      throw new ValidationError('CanaryRollout: none of predictor, transformer or explainer is set; describe at least one component to roll out');
    }
    if (props.mirrorPercent !== undefined) {
      const mirror = props.mirrorPercent;
      if (!Number.isFinite(mirror) || mirror <= 0 || mirror > 100) {
        throw new ValidationError(`CanaryRollout: mirrorPercent (${quote(mirror)}) is not above 0 and at most 100; give the share of requests to copy to the canary, e.g. 10`);
      }
      if (percent !== 0) {
        throw new ValidationError(`CanaryRollout: mirrorPercent (${quote(mirror)}) needs percent 0 (got ${percent}): a canary that already takes live requests would see some of them twice; set percent to 0 to shadow, or drop mirrorPercent`);
      }
    }
    checkTags('canaryTags', props.canaryTags ?? [], []);
    checkTags('stableTags', props.stableTags ?? [], props.canaryTags ?? []);

    this.percent = percent;
    this.predictor = props.predictor;
    this.transformer = props.transformer;
    this.explainer = props.explainer;
    this.mirrorPercent = props.mirrorPercent;
    this.options = options;
  }

  /** Where the rollout stands: a canary at `percent`, promoted, or rolled back. */
  public get phase(): RolloutPhase {
    return this._phase;
  }

  /** Conditions that send a request to the canary (a copy). */
  public get canaryWhen(): RequestMatch[] {
    return [...this.options.canaryWhen ?? []];
  }

  /** Conditions that send a request to the stable revision (a copy). */
  public get stableWhen(): RequestMatch[] {
    return [...this.options.stableWhen ?? []];
  }

  /** Extra tags of the canary revision (a copy). */
  public get canaryTags(): string[] {
    return [...this.options.canaryTags ?? []];
  }

  /** Extra tags of the stable revision (a copy). */
  public get stableTags(): string[] {
    return [...this.options.stableTags ?? []];
  }

  /** The same canary at another percentage: the next step of a progressive rollout. */
  public withPercent(percent: number): CanaryRollout {
    return new CanaryRollout({ ...this.options, percent });
  }

  /**
   * The canary promoted: it takes 100 % of the requests and header, cookie and mirror rules are dropped.
   * The stable revision keeps its `prev` tag at 0 % for an instant rollback. Once you are sure, make the
   * canary's props the InferenceService's own and remove `canary`: the revision keeps its name, because
   * the name comes from the template.
   */
  public promote(): CanaryRollout {
    return CanaryRollout.inPhase({ ...this.withoutRules(), percent: 100 }, RolloutPhase.PROMOTED);
  }

  /**
   * The canary rolled back: every request is pinned to the stable revision by name, whatever state the
   * cluster is in, and header, cookie and mirror rules are dropped. The canary revision stays reachable at
   * its `latest` tag so you can look at what went wrong. Removing `canary` altogether rolls back as well.
   */
  public rollback(): CanaryRollout {
    return CanaryRollout.inPhase({ ...this.withoutRules(), percent: 0 }, RolloutPhase.ROLLED_BACK);
  }

  private withoutRules(): CanaryOptions {
    return { ...this.options, canaryWhen: undefined, stableWhen: undefined, mirrorPercent: undefined };
  }
}

const RESERVED_TAGS = [kserve.CANARY_TAG, kserve.STABLE_TAG];

function checkTags(prop: string, tags: string[], others: string[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    if (!isDns1035Label(tag)) {
      throw new ValidationError(`CanaryRollout: ${prop} (${quote(tag)}) is not a DNS-1035 label; use lowercase letters, digits and "-", starting with a letter, e.g. 'v2'`);
    }
    if (RESERVED_TAGS.includes(tag)) {
      throw new ValidationError(`CanaryRollout: ${prop} (${quote(tag)}) is a tag the rollout sets itself (latest on the canary, prev on the stable revision); choose another tag`);
    }
    if (seen.has(tag) || others.includes(tag)) {
      throw new ValidationError(`CanaryRollout: ${prop} (${quote(tag)}) is given twice; Knative needs each tag once across the canary and stable revisions`);
    }
    seen.add(tag);
  }
}
