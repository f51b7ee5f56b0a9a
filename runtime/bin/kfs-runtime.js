#!/usr/bin/env node
'use strict';

// The TypeScript sources compile to ../build (npm run build -w kfs-runtime); say so instead of
// failing with a bare MODULE_NOT_FOUND when they have not been built yet.
let cli;
try {
  cli = require('../build/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('build/cli.js')) {
    process.stderr.write("kfs-runtime: not built yet; run 'npm run build -w kfs-runtime' first\n");
    process.exit(1);
  }
  throw error;
}

cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`kfs-runtime: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
