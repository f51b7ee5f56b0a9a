import * as k8s from '@kubernetes/client-node';
import { describeError } from './describe-error';
import type { Logger } from './logger';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** This process's holder identity (the pod name in a cluster). */
  readonly identity: string;
  /** How long a Lease holds without renewal before another candidate may take it. */
  readonly leaseDurationMs: number;
  /** A leader that could not renew for this long stops acting as leader. Less than leaseDurationMs. */
  readonly renewDeadlineMs: number;
  /** Time between tries to acquire or renew. */
  readonly retryPeriodMs: number;
  readonly log: Logger;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions: number;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's algorithm
 * (`k8s.io/client-go/tools/leaderelection`): a candidate takes the Lease when it is free or when its
 * record has not changed for a whole lease duration *as observed on this machine's clock* (never by
 * comparing the holder's timestamps with ours, so clock skew between nodes does not matter); every
 * write carries the resourceVersion it read, so two candidates cannot both win.
 *
 * Unlike client-go's default, losing the Lease does not end the process: the controller stops acting
 * and campaigns again, keeping its caches warm (and surviving an API server outage longer than the
 * renew deadline, after which it usually wins its own Lease back at once).
 *
 * The Lease is created by the ModelController's manifests so RBAC needs no `create`; if it is missing
 * the elector tries to create it and says so when that is forbidden.
 */
export class LeaderElector {
  readonly #api: k8s.CoordinationV1Api;
  #leading = false;
  #lastRenewal = 0;
  #observedRecord: string | undefined;
  #observedAt = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #loggedMissing = false;

  constructor(kubeConfig: k8s.KubeConfig, private readonly options: LeaderElectionOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new Error('the renew deadline must be shorter than the lease duration');
    this.#api = kubeConfig.makeApiClient(k8s.CoordinationV1Api);
  }

  /**
   * True while this process holds the Lease and renewed it within the renew deadline. Checked before
   * every action on replicas and the API, so a leader cut off from the API server stops acting even
   * before its renew loop notices.
   */
  isLeader(): boolean {
    return this.#leading && Date.now() - this.#lastRenewal < this.options.renewDeadlineMs;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops campaigning; a leader gives the Lease up so a standby takes over at once (client-go's ReleaseOnCancel). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new k8s.V1MicroTime(Date.now()) };
      await this.#api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease });
      this.options.log.info('released the leader Lease', { lease: this.#leaseName() });
    } catch (error) {
      this.options.log.warn('could not release the leader Lease; a standby takes over when it expires', { lease: this.#leaseName(), error: describeError(error) });
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#round().finally(() => {
        this.#running = undefined;
        // client-go jitters the retry period by up to 20 % so candidates do not move in lockstep.
        this.#schedule(this.options.retryPeriodMs * (1 + Math.random() * 0.2));
      });
    }, delayMs);
  }

  async #round(): Promise<void> {
    const acquired = await this.#tryAcquireOrRenew();
    if (this.#stopped) return;
    if (acquired) {
      this.#lastRenewal = Date.now();
      if (!this.#leading) {
        this.options.log.info('became the leader', { lease: this.#leaseName(), identity: this.options.identity });
        this.#setLeading(true);
      }
    } else if (this.#leading && Date.now() - this.#lastRenewal >= this.options.renewDeadlineMs) {
      this.options.log.warn('lost the leader Lease (not renewed within the renew deadline); standing by', { lease: this.#leaseName() });
      this.#setLeading(false);
    }
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.options;
    const now = Date.now();
    let lease: k8s.V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (error instanceof k8s.ApiException && error.code === 404) return this.#tryCreate(now);
      this.options.log.debug('cannot read the leader Lease', { lease: this.#leaseName(), error: describeError(error) });
      return false;
    }
    const record = recordOf(lease);
    const recordKey = JSON.stringify(record);
    if (recordKey !== this.#observedRecord) {
      this.#observedRecord = recordKey;
      this.#observedAt = now;
    }
    const heldByOther = record.holderIdentity !== '' && record.holderIdentity !== identity;
    if (heldByOther && this.#observedAt + record.leaseDurationSeconds * 1000 > now) return false;

    const renewing = record.holderIdentity === identity;
    lease.spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      renewTime: new k8s.V1MicroTime(now),
      acquireTime: renewing && lease.spec?.acquireTime ? lease.spec.acquireTime : new k8s.V1MicroTime(now),
      leaseTransitions: renewing ? record.leaseTransitions : record.leaseTransitions + 1,
    };
    try {
      // The resourceVersion read above makes this a compare-and-swap: a concurrent winner gets us a 409.
      const updated = await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
      this.#observedRecord = JSON.stringify(recordOf(updated));
      this.#observedAt = now;
      return true;
    } catch (error) {
      this.options.log.debug('could not write the leader Lease', { lease: this.#leaseName(), error: describeError(error) });
      return false;
    }
  }

  async #tryCreate(now: number): Promise<boolean> {
    const { name, namespace, identity } = this.options;
    try {
      await this.#api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
            acquireTime: new k8s.V1MicroTime(now),
            renewTime: new k8s.V1MicroTime(now),
            leaseTransitions: 0,
          },
        },
      });
      return true;
    } catch (error) {
      if (!this.#loggedMissing) {
        this.#loggedMissing = true;
        this.options.log.error('the leader Lease does not exist and cannot be created; apply the ModelController manifests, which include it', {
          lease: this.#leaseName(),
          error: describeError(error),
        });
      }
      return false;
    }
  }

  #leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }
}

function recordOf(lease: k8s.V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 15,
    acquireTime: spec.acquireTime === undefined ? undefined : String(spec.acquireTime),
    renewTime: spec.renewTime === undefined ? undefined : String(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}
