import { Construct } from 'constructs';
import * as kserve from '../_kserve';
import { ProtocolVersion } from '../model/protocol-version';
import { ComponentRolloutInput, resolveCanary, resolveComponentRevisions } from '../rollout/_component-revisions';
import { ComponentProps, ContainerSpec } from './component-props';
import { ServingComponent } from './serving-component';
import {
  ComponentContext, SCRATCH_MOUNT, SCRATCH_VOLUME, assembleComponent, resolveEnv, resolveImage, resolvePort,
  resolveResources, resolveScaling, resolveServiceAccountName,
} from './_resolve';
import { ComponentKind, ResolvedComponent } from './_resolved';

/** A transformer or explainer: your container, wired to the predictor. */
export interface AuxiliaryComponentProps extends ComponentProps {
  /** The container. */
  readonly container: ContainerSpec;
}

/** What a transformer or explainer is told about the predictor it calls. @internal */
export interface PredictorWiring {
  /** `<isvc>-predictor.<namespace>`, the Knative address KServe passes as `--predictor_host`. */
  readonly host: string;
  readonly protocolVersion: ProtocolVersion;
}

/** Base of Transformer and Explainer. */
export abstract class AuxiliaryComponent extends ServingComponent {
  protected constructor(scope: Construct, id: string, kind: ComponentKind, props: AuxiliaryComponentProps, context: ComponentContext, predictor: PredictorWiring,
    rollout: ComponentRolloutInput, canaryProps: AuxiliaryComponentProps | undefined) {
    const resolved = resolveAuxiliary(context, kind, props, predictor);
    const canary = canaryProps ? resolveCanary(context, kind, ctx => resolveAuxiliary(ctx, kind, canaryProps, predictor)) : undefined;
    super(scope, id, resolved, context.deploymentMode, resolveComponentRevisions(context, rollout, resolved, canary));
  }
}

/**
 * KServe's wiring, reproduced: the container gets `--model_name <isvc>`, `--predictor_host <host>` and
 * `--http_port <port>` unless it already sets them, plus `PREDICTOR_HOST` and `PROTOCOL` in its
 * environment (KServe's Python transformer reads the protocol from `PROTOCOL`).
 */
function resolveAuxiliary(ctx: ComponentContext, kind: ComponentKind, props: AuxiliaryComponentProps, predictor: PredictorWiring): ResolvedComponent {
  const spec = props.container;
  const scaling = resolveScaling(ctx, kind, props);
  const protocolVersion = spec.protocolVersion ?? ProtocolVersion.V1;
  const port = resolvePort(ctx, `${kind}.container.port`, spec.port ?? kserve.DEFAULT_HTTP_PORT, protocolVersion);
  const args = [...spec.args ?? []];
  const appendUnlessSet = (flag: string, value: string) => {
    if (!args.some(arg => arg === flag || arg.startsWith(`${flag}=`))) args.push(flag, value);
  };
  appendUnlessSet('--model_name', ctx.isvcName);
  appendUnlessSet('--predictor_host', predictor.host);
  appendUnlessSet('--http_port', String(port.containerPort));
  const env = resolveEnv(ctx, kind, props.env, [
    { name: kserve.ENV_INFERENCE_SERVICE_NAME, value: ctx.isvcName },
    { name: kserve.ENV_PREDICTOR_HOST, value: predictor.host },
    { name: 'PROTOCOL', value: predictor.protocolVersion },
  ]);
  return assembleComponent(ctx, kind, props, {
    scaling,
    serviceAccountName: resolveServiceAccountName(ctx, kind, props.serviceAccountName),
    initContainers: [],
    volumes: [SCRATCH_VOLUME],
    // KServe's Python transformers and explainers serve /metrics on their HTTP port.
    metrics: { port: port.containerPort, path: '/metrics' },
    container: {
      name: kserve.MODEL_CONTAINER_NAME,
      image: resolveImage(ctx, `${kind}.container.image`, spec.image),
      command: spec.command,
      args,
      env,
      port,
      resources: resolveResources(ctx, kind, props.resources, props.gpu),
      volumeMounts: [SCRATCH_MOUNT],
    },
  });
}
