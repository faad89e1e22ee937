// For suites that test the built code (a worker thread runs compiled JavaScript): refuses a dist/
// older than the Kafka adapter's sources.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kafka adapter's sources (tests aside) whose compiled file in dist/ is missing or older. */
export function staleKafkaBuilds(): string[] {
  const srcDir = fileURLToPath(new URL('../../../src/adapters/kafka/', import.meta.url));
  const distDir = fileURLToPath(new URL('../../../dist/adapters/kafka/', import.meta.url));
  return readdirSync(srcDir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .filter((name) => {
      const built = join(distDir, name.replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(join(srcDir, name)).mtimeMs;
    });
}

/** Throws, naming them, when staleKafkaBuilds finds any. */
export function assertFreshKafkaBuild(): void {
  const stale = staleKafkaBuilds();
  if (stale.length > 0) throw new Error(`dist/ is older than src/adapters/kafka/{${stale.join(',')}}: this suite tests the build, run \`npm run build\` first`);
}
