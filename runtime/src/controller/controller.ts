import type { Server } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { Backoff } from './backoff';
import { type ControllerConfig, type InferenceServiceConfig, inferenceServiceKey } from './controller-config';
import { startHealthServer } from './health-server';
import { ResilientInformer } from './informer';
import { LABEL_COMPONENT, LABEL_INFERENCE_SERVICE, type PodObject, TRAINED_MODEL_GROUP, TRAINED_MODEL_PLURAL, TRAINED_MODEL_VERSION, type TrainedModelObject } from './kube-objects';
import { KubeWriter } from './kube-writer';
import { LeaderElector } from './leader-election';
import type { Logger } from './logger';
import { Reconciler } from './reconciler';
import { RepositoryClient } from './repository-client';
import { WorkQueue } from './work-queue';

export interface ControllerOptions {
  readonly config: ControllerConfig;
  readonly kubeConfig: k8s.KubeConfig;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Every InferenceService is reconciled this often even without events. */
  readonly resyncPeriodMs: number;
  /** InferenceServices reconciled at once. */
  readonly workers: number;
  /** Health endpoints; undefined: none. */
  readonly healthPort?: number;
  readonly healthHost: string;
  readonly log: Logger;
}

export interface RunningController {
  /** Port of the health endpoints, when they run. */
  readonly healthPort?: number;
  /** Stops reconciling, hands the Lease over, stops the watches. */
  stop(): Promise<void>;
}

/** Only predictor pods carry both labels (KServe's, on the revision or Deployment template). */
const PREDICTOR_POD_SELECTOR = `${LABEL_COMPONENT}=predictor,${LABEL_INFERENCE_SERVICE}`;

/**
 * The TrainedModel controller: watches TrainedModels and predictor pods in each served namespace,
 * and, while it holds the leader Lease, reconciles each InferenceService (see Reconciler) on every
 * change, after every load, and every resync period.
 *
 * It acts only once every cache has listed: reconciling from an empty TrainedModel cache would look
 * like "no models wanted" and unload everything, which is exactly what a restarted controller must
 * not do.
 */
export async function startController(options: ControllerOptions): Promise<RunningController> {
  const { log, config } = options;
  const configs = new Map<string, InferenceServiceConfig>(config.inferenceServices.map((isvc) => [inferenceServiceKey(isvc.namespace, isvc.name), isvc]));
  const namespaces = [...new Set(config.inferenceServices.map((isvc) => isvc.namespace))].sort();
  const queue = new WorkQueue();
  const custom = options.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const writer = new KubeWriter(options.kubeConfig);
  /** Which InferenceService each TrainedModel pointed at last, to reconcile the old one when it moves. */
  const trainedModelOwner = new Map<string, string>();

  const trainedModelInformers = new Map<string, ResilientInformer<k8s.KubernetesObject>>();
  const podInformers = new Map<string, ResilientInformer<k8s.KubernetesObject>>();
  for (const namespace of namespaces) {
    trainedModelInformers.set(namespace, new ResilientInformer({
      name: `trainedmodels in ${namespace}`,
      kubeConfig: options.kubeConfig,
      path: `/apis/${TRAINED_MODEL_GROUP}/${TRAINED_MODEL_VERSION}/namespaces/${namespace}/${TRAINED_MODEL_PLURAL}`,
      list: () => custom.listNamespacedCustomObject({ group: TRAINED_MODEL_GROUP, version: TRAINED_MODEL_VERSION, namespace, plural: TRAINED_MODEL_PLURAL }),
      log,
      onEvent: (event, object) => {
        const tm = object as unknown as TrainedModelObject;
        const id = `${namespace}/${tm.metadata.name}`;
        const owner = tm.spec?.inferenceService === undefined ? undefined : inferenceServiceKey(namespace, tm.spec.inferenceService);
        const previous = trainedModelOwner.get(id);
        if (previous !== undefined && previous !== owner) queue.add(previous);
        if (event === 'delete') trainedModelOwner.delete(id);
        else if (owner !== undefined) trainedModelOwner.set(id, owner);
        if (owner !== undefined) queue.add(owner);
      },
    }));
    podInformers.set(namespace, new ResilientInformer({
      name: `predictor pods in ${namespace}`,
      kubeConfig: options.kubeConfig,
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => core.listNamespacedPod({ namespace, labelSelector: PREDICTOR_POD_SELECTOR }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
      labelSelector: PREDICTOR_POD_SELECTOR,
      log,
      onEvent: (_event, object) => {
        const isvc = object.metadata?.labels?.[LABEL_INFERENCE_SERVICE];
        if (isvc !== undefined) queue.add(inferenceServiceKey(namespace, isvc));
      },
    }));
  }
  const informers = [...trainedModelInformers.values(), ...podInformers.values()];
  const synced = () => informers.every((informer) => informer.synced);

  let elector: LeaderElector | undefined;
  const reconciler = new Reconciler({
    inferenceService: (namespace, name) => configs.get(inferenceServiceKey(namespace, name)),
    trainedModels: (namespace) => (trainedModelInformers.get(namespace)?.list() ?? []) as unknown as TrainedModelObject[],
    predictorPods: (namespace, isvcName) =>
      ((podInformers.get(namespace)?.list() ?? []) as unknown as PodObject[]).filter((pod) => pod.metadata.labels?.[LABEL_INFERENCE_SERVICE] === isvcName),
    writeModelConfig: (isvc, json) => writer.writeModelConfig(isvc, json),
    writeStatus: (tm, status) => writer.writeStatus(tm, status),
    repository: (replica) => new RepositoryClient(replica.url),
    isLeader: () => elector?.isLeader() ?? false,
    requeue: (key) => queue.add(key),
    log,
  });

  /** Every InferenceService we serve, and every one a TrainedModel names (to tell it that it is not served). */
  const allKeys = () => {
    const keys = new Set(configs.keys());
    for (const owner of trainedModelOwner.values()) keys.add(owner);
    return [...keys].sort();
  };

  const errorBackoff = new Map<string, Backoff>();
  const worker = async () => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        if (!elector?.isLeader()) continue;
        const started = Date.now();
        const outcome = await reconciler.reconcile(key);
        errorBackoff.delete(key);
        log.debug('reconciled', { inferenceService: key, ms: Date.now() - started, converged: outcome.converged, requeueAfterMs: outcome.requeueAfterMs });
        if (outcome.requeueAfterMs !== undefined) queue.addAfter(key, outcome.requeueAfterMs);
      } catch (error) {
        const backoff = errorBackoff.get(key) ?? new Backoff(500, 30_000);
        errorBackoff.set(key, backoff);
        const delay = backoff.next();
        log.error('reconcile failed', { inferenceService: key, error: (error as Error).stack ?? String(error), retryInMs: delay });
        queue.addAfter(key, delay);
      } finally {
        queue.done(key);
      }
    }
  };

  let health: { server: Server; port: number } | undefined;
  if (options.healthPort !== undefined) health = await startHealthServer(options.healthHost, options.healthPort, synced);
  for (const informer of informers) informer.start();
  const workers = Array.from({ length: options.workers }, () => worker());

  let stopped = false;
  let resyncTimer: NodeJS.Timeout | undefined;
  const syncedAndStarted = (async () => {
    await Promise.all(informers.map((informer) => informer.whenSynced()));
    if (stopped) return;
    log.info('caches synced', { namespaces, inferenceServices: [...configs.keys()], trainedModels: trainedModelOwner.size });
    elector = new LeaderElector(options.kubeConfig, {
      namespace: options.leaseNamespace,
      name: options.leaseName,
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      log,
      onStartedLeading: () => {
        for (const key of allKeys()) queue.add(key);
      },
      onStoppedLeading: () => undefined,
    });
    elector.start();
    resyncTimer = setInterval(() => {
      if (elector?.isLeader()) for (const key of allKeys()) queue.add(key);
    }, options.resyncPeriodMs);
  })();

  log.info('controller started', { identity: options.identity, lease: `${options.leaseNamespace}/${options.leaseName}`, healthPort: health?.port });
  return {
    healthPort: health?.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (resyncTimer !== undefined) clearInterval(resyncTimer);
      queue.shutDown();
      await Promise.all(workers);
      await elector?.stop();
      await Promise.all(informers.map((informer) => informer.stop()));
      await syncedAndStarted.catch(() => undefined);
      if (health !== undefined) await new Promise((resolve) => health!.server.close(resolve));
      log.info('controller stopped', { identity: options.identity });
    },
  };
}
