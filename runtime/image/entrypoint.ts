// The image's entry point, bundled into one file by bundle-app.ts: runs the CLI as a process, as
// bin/kfs-runtime.js does for npm installs (minus its "not built yet" hint, which a bundle never needs).
import { main } from '../src/cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kfs-runtime: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
