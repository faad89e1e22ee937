#!/usr/bin/env -S node --max-semi-space-size=64
// The `tally` command. A 64 MB young generation: per-key state lives for a window's length, and
// with the default size much of it is copied into the old generation before it dies (~10-20% slower).

import { main } from './program.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tally: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
