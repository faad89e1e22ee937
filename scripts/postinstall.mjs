// `npm ci` / `npm install` in a checkout: applies patches/ to dependencies with patch-package (see
// the README, "Dependencies, and why": kafkajs' producer). Installed as a dependency of another
// project, Tally has neither patches/ nor its dev dependencies, and this does nothing: kafkajs then
// works as published, only slower at producing.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(join(root, 'patches'))) {
  const require = createRequire(join(root, 'package.json'));
  // Fails the install when a patch no longer applies (patch-package exits non-zero).
  execFileSync(process.execPath, [require.resolve('patch-package/index.js'), '--error-on-fail'], { cwd: root, stdio: 'inherit' });
}
