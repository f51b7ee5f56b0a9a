import { Capability } from 'cdk8s-plus-27';
import { ValidationError, quote } from '../_validation';

/** The seccomp profile a container runs under. */
export class SeccompProfile {
  /** The container runtime's default profile (what the "restricted" profile requires, with `localhost`). */
  public static readonly RUNTIME_DEFAULT = new SeccompProfile('RuntimeDefault');
  /** No seccomp filtering; leaves the Pod Security Standards "restricted" profile. */
  public static readonly UNCONFINED = new SeccompProfile('Unconfined');

  /** A profile file on the node, relative to the kubelet's seccomp directory. */
  public static localhost(profile: string): SeccompProfile {
    if (profile.length === 0 || profile.startsWith('/') || profile.split('/').includes('..')) {
      throw new ValidationError(`SeccompProfile.localhost: profile (${quote(profile)}) must be a relative path inside the kubelet's seccomp directory, e.g. 'profiles/model-server.json'`);
    }
    return new SeccompProfile('Localhost', profile);
  }

  private constructor(
    /** The Kubernetes `seccompProfile.type`. */
    public readonly type: string,
    /** The `localhostProfile`, for `Localhost`. */
    public readonly localhostProfile?: string,
  ) {}
}

/**
 * Security settings of a component's containers (the model server, and the storage initializer when
 * there is one). The defaults satisfy the Pod Security Standards "restricted" profile and Knative's
 * defaults; each can be overridden, and an override that leaves "restricted" is reported as a synth
 * warning, since a namespace enforcing the profile would reject the pods.
 *
 * Only container-level fields are offered: Knative rejects a pod-level `securityContext` unless its
 * `kubernetes.podspec-securitycontext` flag is on, and the "restricted" profile is satisfiable per container.
 */
export interface PodSecurity {
  /**
   * Whether the kubelet refuses to start a container whose user is root.
   * @default true
   */
  readonly runAsNonRoot?: boolean;

  /**
   * The UID the containers run as.
   * @default - the image's `USER`
   */
  readonly runAsUser?: number;

  /**
   * The GID the containers run as.
   * @default - the image's group
   */
  readonly runAsGroup?: number;

  /**
   * A read-only root filesystem; the library mounts an `emptyDir` at `/tmp` for scratch space.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * Whether a process may gain more privileges than its parent (setuid binaries).
   * @default false
   */
  readonly allowPrivilegeEscalation?: boolean;

  /**
   * The seccomp profile.
   * @default SeccompProfile.RUNTIME_DEFAULT
   */
  readonly seccompProfile?: SeccompProfile;

  /**
   * Capabilities to add back after dropping ALL. "Restricted" allows only `NET_BIND_SERVICE`, and
   * Knative accepts others only with its `kubernetes.containerspec-addcapabilities` flag.
   * @default - none
   */
  readonly addCapabilities?: Capability[];

  /**
   * Mount the service account's API token. Model servers do not call the Kubernetes API, so it is off.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
}
