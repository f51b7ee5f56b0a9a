import { IConstruct } from 'constructs';

const WARNING_METADATA = 'cdk8s-kfserving:warning';

/**
 * Synth-time warnings: things that synthesize fine but need something from the cluster (most often a
 * Knative `config-features` flag). They are printed to stderr when the app synthesizes and can be
 * read in tests with `Warnings.of(scope).all`.
 */
export class Warnings {
  /** The warnings of a construct and everything below it. */
  public static of(scope: IConstruct): Warnings {
    return new Warnings(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /** Records a warning on this construct. */
  public add(message: string): void {
    if (!this.own.includes(message)) this.scope.node.addMetadata(WARNING_METADATA, message);
  }

  /** Warnings recorded on this construct and its children, in construct order. */
  public get all(): string[] {
    return this.scope.node.findAll().flatMap(c => c.node.metadata.filter(m => m.type === WARNING_METADATA).map(m => String(m.data)));
  }

  private get own(): string[] {
    return this.scope.node.metadata.filter(m => m.type === WARNING_METADATA).map(m => String(m.data));
  }
}

/** Knative `config-features` flags the library may need; each is off in a default Knative install. */
export enum KnativeFeatureFlag {
  INIT_CONTAINERS = 'kubernetes.podspec-init-containers',
  PERSISTENT_VOLUME_CLAIM = 'kubernetes.podspec-persistent-volume-claim',
  FIELD_REF = 'kubernetes.podspec-fieldref',
  NODE_SELECTOR = 'kubernetes.podspec-nodeselector',
  TOLERATIONS = 'kubernetes.podspec-tolerations',
  AFFINITY = 'kubernetes.podspec-affinity',
  ADD_CAPABILITIES = 'kubernetes.containerspec-addcapabilities',
}

/** The message for a feature flag a component depends on. */
export function featureFlagWarning(owner: string, what: string, flag: KnativeFeatureFlag): string {
  return `${owner}: ${what} needs the Knative feature flag '${flag}: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision`;
}
