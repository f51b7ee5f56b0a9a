/**
 * Everything `kfs-runtime controller` loads when it starts, behind one module: the CLI imports it
 * only for that command, and the image bundles it as a file of its own (controller.cjs), so the
 * model server neither reads nor keeps in memory the Kubernetes client's megabytes of code.
 */
export { KubeConfig } from '@kubernetes/client-node';
export { startController } from './controller';
export { createLogger } from './logger';
