import { Duration } from 'cdk8s';
import * as kserve from '../_kserve';
import { ValidationError, propError, quote, requireNonNegativeInteger } from '../_validation';
import { DeploymentMode } from '../deployment-mode';
import { Autoscaler, AutoscalerClass } from './autoscaler';
import { KnativeScalingOptions } from './knative-scaling-options';
import { ScalingMetric } from './scaling-metric';
import { Trigger, TriggerType } from './trigger';

/**
 * Scaling props → resolved scaling, with every rule that depends on the deployment mode. Messages name
 * the InferenceService, the prop path (e.g. `predictor.minReplicas`), the value and the fix.
 * @internal
 */

/** The scaling props of one component (a subset of ComponentProps, kept here to avoid an import cycle). */
export interface ScalingProps {
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly containerConcurrency?: number;
  readonly timeout?: Duration;
  readonly scaleMetric?: ScalingMetric;
  readonly knativeScaling?: KnativeScalingOptions;
  readonly autoscaler?: Autoscaler;
  readonly annotations?: { [key: string]: string };
}

export interface ScalingContext {
  readonly owner: string;
  readonly deploymentMode: DeploymentMode;
  readonly warn: (message: string) => void;
}

/** Knative's autoscaler tuning, in the units its annotations use. */
export interface ResolvedKnativeTuning {
  readonly initialReplicas?: number;
  readonly targetUtilizationPercentage?: number;
  readonly scaleDownDelaySeconds?: number;
  readonly scaleToZeroPodRetentionSeconds?: number;
  readonly stableWindowSeconds?: number;
  readonly panicWindowPercentage?: number;
  readonly panicThresholdPercentage?: number;
}

export interface ResolvedKeda {
  readonly triggers: Trigger[];
  readonly pollingIntervalSeconds?: number;
  readonly cooldownPeriodSeconds?: number;
  readonly scaleDownStabilizationSeconds: number;
  readonly scaleUpStabilizationSeconds: number;
}

export interface ResolvedScaling {
  readonly minReplicas: number;
  readonly maxReplicas?: number;
  readonly containerConcurrency?: number;
  readonly timeoutSeconds?: number;
  readonly metric?: ScalingMetric;
  /** Knative mode: autoscaler tuning. */
  readonly knative: ResolvedKnativeTuning;
  /** Raw mode: which autoscaler (undefined in Knative mode). */
  readonly autoscalerClass?: AutoscalerClass;
  /** Raw mode with KEDA. */
  readonly keda?: ResolvedKeda;
}

/** Knative's default `container-concurrency-max-limit`. */
const KNATIVE_MAX_CONTAINER_CONCURRENCY = 1000;
/** Knative's default `max-revision-timeout-seconds`. */
const KNATIVE_MAX_TIMEOUT_SECONDS = 600;
/** KServe's `autoscaler` config defaults for KEDA's HPA behavior. */
const KSERVE_SCALE_DOWN_STABILIZATION_SECONDS = 300;
const KSERVE_SCALE_UP_STABILIZATION_SECONDS = 0;
/** Knative's annotation limits (knative/serving `pkg/apis/autoscaling`). */
const ONE_HOUR = 3600;
const KNATIVE_WINDOW_MIN_SECONDS = 6;

export function resolveScaling(ctx: ScalingContext, kind: string, props: ScalingProps): ResolvedScaling {
  const { owner } = ctx;
  requireNonNegativeInteger(owner, `${kind}.minReplicas`, props.minReplicas);
  requireNonNegativeInteger(owner, `${kind}.maxReplicas`, props.maxReplicas);
  requireNonNegativeInteger(owner, `${kind}.containerConcurrency`, props.containerConcurrency);
  const maxReplicas = props.maxReplicas;
  if (maxReplicas === 0) {
    throw propError(owner, `${kind}.maxReplicas`, 0, 'would allow no replicas at all', 'leave maxReplicas unset for no upper bound, or set it to 1 or more');
  }
  return ctx.deploymentMode === DeploymentMode.RAW ? resolveRaw(ctx, kind, props) : resolveKnative(ctx, kind, props);
}

function checkBounds(owner: string, kind: string, minReplicas: number, maxReplicas: number | undefined): void {
  if (maxReplicas !== undefined && minReplicas > maxReplicas) {
    throw propError(owner, `${kind}.minReplicas`, minReplicas, `is greater than maxReplicas (${maxReplicas})`, 'lower minReplicas or raise maxReplicas');
  }
}

// ---------------------------------------------------------------------------------------------
// Knative mode

function resolveKnative(ctx: ScalingContext, kind: string, props: ScalingProps): ResolvedScaling {
  const { owner } = ctx;
  if (props.autoscaler !== undefined) {
    throw propError(owner, `${kind}.autoscaler`, props.autoscaler.autoscalerClass, 'is used only in raw deployment mode',
      'remove it, or set deploymentMode: DeploymentMode.RAW (Knative mode scales with scaleMetric and knativeScaling)');
  }
  const metric = props.scaleMetric;
  // Knative's HPA class (cpu, memory) keeps at least one replica (knative/serving hpa reconciler).
  const hpaClass = metric !== undefined && !metric.isRequestBased;
  if (hpaClass && props.minReplicas === 0) {
    throw propError(owner, `${kind}.minReplicas`, 0, `cannot be reached with scaleMetric ${quote(metric.toString())} (Knative's HPA class keeps at least 1 replica)`,
      'set minReplicas to 1 or more, or scale on ScalingMetric.concurrency or ScalingMetric.rps to scale to zero');
  }
  const minReplicas = props.minReplicas ?? (hpaClass ? 1 : 0);
  checkBounds(owner, kind, minReplicas, props.maxReplicas);
  if (props.containerConcurrency !== undefined && props.containerConcurrency > KNATIVE_MAX_CONTAINER_CONCURRENCY) {
    throw propError(owner, `${kind}.containerConcurrency`, props.containerConcurrency,
      `is above Knative's container-concurrency-max-limit (${KNATIVE_MAX_CONTAINER_CONCURRENCY})`, 'use 0 for no limit, or a value up to 1000');
  }
  const knative = resolveKnativeTuning(ctx, kind, props.knativeScaling ?? {}, props.maxReplicas);
  if (hpaClass) {
    const kpaOnly = firstSet(knative, ['targetUtilizationPercentage', 'scaleDownDelaySeconds', 'scaleToZeroPodRetentionSeconds', 'stableWindowSeconds', 'panicWindowPercentage', 'panicThresholdPercentage']);
    if (kpaOnly) {
      throw propError(owner, `${kind}.knativeScaling.${KNATIVE_PROP_NAMES[kpaOnly]}`, quoteTuning(kpaOnly, knative[kpaOnly]!),
        `is read by Knative's KPA only, and scaleMetric ${quote(metric.toString())} uses its HPA class`, 'remove it, or scale on ScalingMetric.concurrency or ScalingMetric.rps');
    }
  }
  const timeoutSeconds = resolveTimeout(owner, kind, props.timeout, KNATIVE_MAX_TIMEOUT_SECONDS);
  return { minReplicas, maxReplicas: props.maxReplicas, containerConcurrency: props.containerConcurrency, timeoutSeconds, metric, knative };
}

/** The ResolvedKnativeTuning field → the KnativeScalingOptions prop it came from. */
const KNATIVE_PROP_NAMES: { [field in keyof ResolvedKnativeTuning]-?: keyof KnativeScalingOptions } = {
  initialReplicas: 'initialReplicas',
  targetUtilizationPercentage: 'targetUtilizationPercentage',
  scaleDownDelaySeconds: 'scaleDownDelay',
  scaleToZeroPodRetentionSeconds: 'scaleToZeroPodRetentionPeriod',
  stableWindowSeconds: 'stableWindow',
  panicWindowPercentage: 'panicWindowPercentage',
  panicThresholdPercentage: 'panicThresholdPercentage',
};

function quoteTuning(field: keyof ResolvedKnativeTuning, value: number): number | string {
  return field.endsWith('Seconds') ? `${value}s` : value;
}

function firstSet(tuning: ResolvedKnativeTuning, fields: (keyof ResolvedKnativeTuning)[]): keyof ResolvedKnativeTuning | undefined {
  return fields.find(field => tuning[field] !== undefined);
}

function resolveKnativeTuning(ctx: ScalingContext, kind: string, options: KnativeScalingOptions, maxReplicas: number | undefined): ResolvedKnativeTuning {
  const { owner } = ctx;
  const prop = (name: keyof KnativeScalingOptions) => `${kind}.knativeScaling.${name}`;
  requireNonNegativeInteger(owner, prop('initialReplicas'), options.initialReplicas);
  if (options.initialReplicas !== undefined && maxReplicas !== undefined && options.initialReplicas > maxReplicas) {
    throw propError(owner, prop('initialReplicas'), options.initialReplicas, `is greater than maxReplicas (${maxReplicas})`, 'lower initialReplicas or raise maxReplicas');
  }
  if (options.initialReplicas === 0) {
    ctx.warn(`${owner}: ${prop('initialReplicas')} (0) needs 'allow-zero-initial-scale: "true"' in the knative-serving/config-autoscaler ConfigMap, or Knative rejects the revision`);
  }
  const percentage = (name: keyof KnativeScalingOptions, value: number | undefined, min: number, max: number, example: number) => {
    if (value !== undefined && (!Number.isFinite(value) || value < min || value > max)) {
      throw propError(owner, prop(name), value, `is not a percentage from ${min} to ${max}`, `use e.g. ${example}`);
    }
    return value;
  };
  const seconds = (name: keyof KnativeScalingOptions, value: Duration | undefined, min: number, example: string) => {
    if (value === undefined) return undefined;
    const s = value.toMilliseconds() / 1000;
    if (!Number.isInteger(s) || s < min || s > ONE_HOUR) {
      throw propError(owner, prop(name), `${s}s`, `is not a whole number of seconds from ${min}s to 1h`, `use e.g. ${example}`);
    }
    return s;
  };
  return {
    initialReplicas: options.initialReplicas,
    targetUtilizationPercentage: percentage('targetUtilizationPercentage', options.targetUtilizationPercentage, 1, 100, 70),
    scaleDownDelaySeconds: seconds('scaleDownDelay', options.scaleDownDelay, 0, 'Duration.minutes(5)'),
    scaleToZeroPodRetentionSeconds: seconds('scaleToZeroPodRetentionPeriod', options.scaleToZeroPodRetentionPeriod, 0, 'Duration.minutes(5)'),
    stableWindowSeconds: seconds('stableWindow', options.stableWindow, KNATIVE_WINDOW_MIN_SECONDS, 'Duration.seconds(60)'),
    panicWindowPercentage: percentage('panicWindowPercentage', options.panicWindowPercentage, 1, 100, 10),
    panicThresholdPercentage: percentage('panicThresholdPercentage', options.panicThresholdPercentage, 110, 1000, 200),
  };
}

function resolveTimeout(owner: string, kind: string, timeout: Duration | undefined, max: number | undefined): number | undefined {
  if (timeout === undefined) return undefined;
  const seconds = timeout.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw propError(owner, `${kind}.timeout`, `${seconds}s`, 'is not a whole number of seconds of at least 1', 'use e.g. Duration.seconds(60)');
  }
  if (max !== undefined && seconds > max) {
    throw propError(owner, `${kind}.timeout`, `${seconds}s`,
      `is above Knative's max-revision-timeout-seconds (${max})`, 'use at most Duration.minutes(10), or raise the limit in config-defaults and keep the timeout below it');
  }
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Raw deployment mode

function resolveRaw(ctx: ScalingContext, kind: string, props: ScalingProps): ResolvedScaling {
  const { owner } = ctx;
  if (props.containerConcurrency !== undefined) {
    throw propError(owner, `${kind}.containerConcurrency`, props.containerConcurrency, "is enforced by Knative's queue-proxy, which raw deployment mode does not run",
      'remove it, or limit concurrency in the model server itself');
  }
  if (props.knativeScaling !== undefined) {
    const name = (Object.keys(props.knativeScaling) as (keyof KnativeScalingOptions)[]).filter(k => props.knativeScaling![k] !== undefined).sort()[0];
    const value = name === undefined ? {} : props.knativeScaling[name];
    throw propError(owner, name === undefined ? `${kind}.knativeScaling` : `${kind}.knativeScaling.${name}`, value instanceof Duration ? value.toHumanString() : value,
      "is read by Knative's autoscaler, which raw deployment mode does not run", 'remove knativeScaling; raw mode scales with autoscaler: Autoscaler.hpa() or Autoscaler.keda(...)');
  }
  for (const key of Object.keys(props.annotations ?? {}).sort()) {
    if (key.startsWith(`${kserve.KNATIVE_AUTOSCALING_PREFIX}`)) {
      throw propError(owner, `${kind}.annotations`, key, 'is read by Knative only, and raw deployment mode does not run Knative', 'remove the annotation; raw mode scales with autoscaler');
    }
  }
  const autoscalerClass = props.autoscaler?.autoscalerClass ?? AutoscalerClass.HPA;
  const metric = props.scaleMetric;
  const minReplicas = props.minReplicas ?? 1;
  checkBounds(owner, kind, minReplicas, props.maxReplicas);
  const timeoutSeconds = resolveTimeout(owner, kind, props.timeout, undefined);
  const base = { minReplicas, maxReplicas: props.maxReplicas, timeoutSeconds, metric, knative: {}, autoscalerClass };

  if (autoscalerClass === AutoscalerClass.NONE) {
    if (minReplicas === 0) {
      throw propError(owner, `${kind}.minReplicas`, 0, 'with Autoscaler.none() would run no replica at all', 'set minReplicas to the number of replicas to run');
    }
    if (props.maxReplicas !== undefined) {
      throw propError(owner, `${kind}.maxReplicas`, props.maxReplicas, 'means nothing with Autoscaler.none(), which runs exactly minReplicas replicas',
        'remove maxReplicas, or use Autoscaler.hpa() or Autoscaler.keda(...)');
    }
    if (metric !== undefined) {
      throw propError(owner, `${kind}.scaleMetric`, metric.toString(), 'means nothing with Autoscaler.none(), which runs exactly minReplicas replicas', 'remove scaleMetric, or use Autoscaler.hpa()');
    }
    return base;
  }

  const autoscalerName = autoscalerClass === AutoscalerClass.HPA ? 'a HorizontalPodAutoscaler' : 'a KEDA ScaledObject';
  if (props.maxReplicas === undefined) {
    throw new ValidationError(`${owner}: ${kind}.maxReplicas is unset, and ${autoscalerName} needs an upper bound; set maxReplicas, e.g. to ${Math.max(3, minReplicas)}`);
  }

  if (autoscalerClass === AutoscalerClass.HPA) {
    if (metric !== undefined && metric.isRequestBased) {
      throw propError(owner, `${kind}.scaleMetric`, metric.toString(), 'has no HorizontalPodAutoscaler equivalent in raw deployment mode',
        'use ScalingMetric.cpu or ScalingMetric.memory, or Autoscaler.keda with a Prometheus trigger on the request rate');
    }
    if (minReplicas === 0) {
      throw propError(owner, `${kind}.minReplicas`, 0, 'cannot be reached with a HorizontalPodAutoscaler, which keeps at least 1 replica',
        'set minReplicas to 1 or more, or scale to zero with Autoscaler.keda and a trigger with an activationThreshold');
    }
    return base;
  }

  // KEDA
  if (metric !== undefined) {
    throw propError(owner, `${kind}.scaleMetric`, metric.toString(), 'is not read by KEDA, which scales on its triggers',
      'remove scaleMetric and add the matching trigger, e.g. Trigger.cpu(80)');
  }
  const options = props.autoscaler!.kedaOptions!;
  const triggers = options.triggers;
  if (triggers.length === 0) {
    throw propError(owner, `${kind}.autoscaler.triggers`, [], 'is empty', 'add at least one trigger, e.g. Trigger.prometheus({...})');
  }
  triggers.forEach((trigger, i) => {
    if (minReplicas === 0 && trigger.type === TriggerType.PROMETHEUS && trigger.activationThreshold === undefined) {
      throw propError(owner, `${kind}.autoscaler.triggers[${i}]`, trigger.type, 'has no activationThreshold, which scaling to zero needs (minReplicas is 0)',
        'set activationThreshold to the value above which the component wakes from zero, or set minReplicas to 1 or more');
    }
    if (minReplicas > 0 && trigger.activationThreshold !== undefined) {
      throw propError(owner, `${kind}.autoscaler.triggers[${i}].activationThreshold`, trigger.activationThreshold,
        `only decides scaling from and to zero, and minReplicas is ${minReplicas}`, 'remove it, or set minReplicas to 0');
    }
  });
  if (minReplicas === 0 && !triggers.some(trigger => trigger.canActivateFromZero)) {
    throw propError(owner, `${kind}.minReplicas`, 0,
      'needs a KEDA trigger that can wake the component from zero, and cpu, memory and gpuUtilization triggers have no value while no pod runs',
      'add Trigger.prometheus with an activationThreshold, or Trigger.cron, or set minReplicas to 1 or more');
  }
  if (options.cooldownPeriod !== undefined && minReplicas > 0) {
    throw propError(owner, `${kind}.autoscaler.cooldownPeriod`, options.cooldownPeriod.toHumanString(), `only delays scaling to zero, and minReplicas is ${minReplicas}`,
      'remove it, or set minReplicas to 0');
  }
  const seconds = (name: string, value: Duration | undefined, min: number, max: number) => {
    if (value === undefined) return undefined;
    const s = value.toMilliseconds() / 1000;
    if (!Number.isInteger(s) || s < min || s > max) {
      throw propError(owner, `${kind}.autoscaler.${name}`, `${s}s`, `is not a whole number of seconds from ${min}s to ${max}s`, 'use e.g. Duration.seconds(30)');
    }
    return s;
  };
  return {
    ...base,
    keda: {
      triggers,
      pollingIntervalSeconds: seconds('pollingInterval', options.pollingInterval, 1, ONE_HOUR),
      cooldownPeriodSeconds: seconds('cooldownPeriod', options.cooldownPeriod, 0, ONE_HOUR),
      // The HPA API caps stabilization windows at one hour.
      scaleDownStabilizationSeconds: seconds('scaleDownStabilizationWindow', options.scaleDownStabilizationWindow, 0, ONE_HOUR) ?? KSERVE_SCALE_DOWN_STABILIZATION_SECONDS,
      scaleUpStabilizationSeconds: seconds('scaleUpStabilizationWindow', options.scaleUpStabilizationWindow, 0, ONE_HOUR) ?? KSERVE_SCALE_UP_STABILIZATION_SECONDS,
    },
  };
}
