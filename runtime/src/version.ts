/** Name reported in v2 server metadata (`GET /v2`). */
export const RUNTIME_NAME = 'kfs-runtime';

// require() rather than import: runtime/package.json sits outside the compiled rootDir, and the
// relative path is the same from src/ (ts-jest, tsx) and build/ (the published entry).
const packageJson = require('../package.json') as { version: string };

/** The kfs-runtime package version, reported in v2 server metadata. */
export const RUNTIME_VERSION: string = packageJson.version;
