// `tally checkpoints list|inspect|delete <job>`: what a job's checkpoint store holds.

import type { Command } from 'commander';
import type { JobSpec } from '../../config/job-spec.js';
import { EngineError } from '../../core/errors.js';
import { restoreSnapshot } from '../../core/operator/snapshot.js';
import { openStore } from '../../adapters/checkpoint-stores/open-store.js';
import { CheckpointRepository, type CheckpointEntry } from '../../runtime/checkpoint/checkpoint-repository.js';
import { jobFingerprint } from '../../runtime/checkpoint/checkpoint-coordinator.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

type Exit = (code: number) => void;

async function repositoryOf(job: JobSpec, io: CliIo): Promise<CheckpointRepository | null> {
  if (job.checkpoint === null) {
    io.err(`tally checkpoints: job ${job.name} has no checkpoint section: it keeps no checkpoints\n`);
    return null;
  }
  return new CheckpointRepository(await openStore(job.checkpoint.store, job.checkpoint));
}

/** Every scope holding checkpoints, the unscoped ones (null) included even when empty. */
async function scopesOf(repo: CheckpointRepository): Promise<(string | null)[]> {
  const scopes = await repo.scopes();
  return scopes.includes(null) ? scopes : [null, ...scopes];
}

/** The scope asked for, or the only one there is; null (and a message) when that is ambiguous. */
async function scopedRepository(repo: CheckpointRepository, scope: string | undefined, io: CliIo): Promise<CheckpointRepository | null> {
  if (scope !== undefined) return repo.withScope(scope);
  const scopes = await repo.scopes();
  if (scopes.length <= 1) return repo.withScope(scopes[0] ?? null);
  io.err(`tally checkpoints: the store holds checkpoints of several scopes (${scopes.map((s) => s ?? '(none)').join(', ')}): choose one with --scope\n`);
  return null;
}

const size = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`);

/** One line per checkpoint: id, time, size, position, and whether it would restore. */
async function describeEntry(repo: CheckpointRepository, entry: CheckpointEntry, fingerprint: string): Promise<Record<string, unknown>> {
  const bytes = entry.objects.reduce((n, o) => n + o.size, 0);
  try {
    const { manifest } = await repo.load(entry.id);
    return {
      id: entry.id,
      createdAt: new Date(manifest.createdAtMs).toISOString(),
      bytes,
      position: manifest.source.position,
      keys: manifest.summary.keys ?? null,
      finished: manifest.finished,
      status: manifest.job.fingerprint === fingerprint ? 'ok' : 'other job definition',
    };
  } catch (error) {
    return { id: entry.id, createdAt: null, bytes, position: null, keys: null, finished: null, status: `unusable: ${(error as Error).message}` };
  }
}

export function addCheckpointCommands(program: Command, io: CliIo, loadJob: (path: string) => Promise<JobSpec | null>, exit: Exit): void {
  const checkpoints = program.command('checkpoints').description("see and delete a job's checkpoints (in the store its checkpoint section names)");

  checkpoints
    .command('list')
    .description('every checkpoint: id, time, size, source position, keys, and whether it can be restored')
    .argument('<job>', 'job file (YAML or JSON)')
    .option('--json', 'one JSON object per line')
    .action(async (path: string, options: { json?: boolean }) => {
      const job = await loadJob(path);
      const repo = job === null ? null : await repositoryOf(job, io);
      if (job === null || repo === null) return exit(2);
      // A Kafka job keeps its checkpoints per set of assigned partitions (a scope each).
      const rows: Record<string, unknown>[] = [];
      for (const scope of await scopesOf(repo)) {
        const scoped = repo.withScope(scope);
        for (const e of await scoped.list()) rows.push({ ...(await describeEntry(scoped, e, jobFingerprint(job))), scope });
      }
      if (options.json === true) {
        for (const r of rows) io.out(`${JSON.stringify(r)}\n`);
        return;
      }
      io.out(`${repo.store.description}: ${rows.length} checkpoint(s)\n`);
      for (const r of rows) {
        io.out(`  ${r.scope === null ? '' : `${r.scope}  `}${String(r.id).padStart(6)}  ${String(r.createdAt ?? '-').padEnd(24)}  ${size(r.bytes as number).padStart(10)}  keys ${String(r.keys ?? '-').padStart(8)}  ${r.finished === true ? 'finished  ' : ''}${String(r.status)}  position ${JSON.stringify(r.position)}\n`);
      }
    });

  checkpoints
    .command('inspect')
    .description('one checkpoint in full (default: the newest): its manifest, checks, and the state it holds')
    .argument('<job>', 'job file (YAML or JSON)')
    .argument('[id]', 'checkpoint id')
    .option('--scope <scope>', 'the scope of a Kafka job (e.g. partitions-0-1-2-3, as `list` shows); default: the only one')
    .action(async (path: string, id: string | undefined, options: { scope?: string }) => {
      const job = await loadJob(path);
      const all = job === null ? null : await repositoryOf(job, io);
      if (job === null || all === null) return exit(2);
      const repo = await scopedRepository(all, options.scope, io);
      if (repo === null) return exit(2);
      const entries = await repo.list();
      const wanted = id === undefined ? entries[entries.length - 1]?.id : Number(id);
      if (wanted === undefined || !entries.some((e) => e.id === wanted)) {
        io.err(`tally checkpoints: no checkpoint ${id ?? ''} in ${repo.store.description}\n`);
        return exit(1);
      }
      try {
        const { manifest, state } = await repo.load(wanted);
        let restores = 'yes';
        let held: Record<string, unknown> = {};
        if (manifest.job.fingerprint !== jobFingerprint(job)) restores = 'no: taken with another job definition';
        else {
          const engine = restoreSnapshot(job, state);
          const perWindow: Record<string, number> = {};
          for (const def of engine.aligned) perWindow[def.spec.name] = def.pending.size;
          for (const def of engine.sessionDefs) perWindow[def.spec.name] = def.sessions.openCount;
          for (const def of engine.countDefs) perWindow[def.spec.name] = def.counts.byKey.size;
          held = { ...engine.gauges(), openByWindow: perWindow, stats: engine.stats };
        }
        io.out(`${JSON.stringify({ store: repo.store.description, checks: 'manifest checksum, state size and sha256: ok', restores, manifest, state: held }, null, 2)}\n`);
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        io.out(`${JSON.stringify({ store: repo.store.description, id: wanted, checks: `failed: ${error.message}`, restores: 'no: an older checkpoint would be used' }, null, 2)}\n`);
        exit(1);
      }
    });

  checkpoints
    .command('delete')
    .description('delete one checkpoint, or all of them (the next run then starts from the beginning)')
    .argument('<job>', 'job file (YAML or JSON)')
    .argument('[id]', 'checkpoint id')
    .option('--all', 'delete every checkpoint of the job (of every scope)')
    .option('--scope <scope>', 'the scope of a Kafka job (e.g. partitions-0-1-2-3, as `list` shows); default: the only one')
    .action(async (path: string, id: string | undefined, options: { all?: boolean; scope?: string }) => {
      const job = await loadJob(path);
      const repo = job === null ? null : await repositoryOf(job, io);
      if (job === null || repo === null) return exit(2);
      if ((id === undefined) === (options.all !== true)) {
        io.err('tally checkpoints delete: give a checkpoint id or --all\n');
        return exit(2);
      }
      let deleted = 0;
      if (options.all === true) {
        for (const scope of await scopesOf(repo)) {
          const scoped = repo.withScope(scope);
          for (const e of await scoped.list()) {
            await scoped.delete(e);
            deleted++;
          }
        }
      } else {
        const scoped = await scopedRepository(repo, options.scope, io);
        if (scoped === null) return exit(2);
        const doomed = (await scoped.list()).filter((e) => e.id === Number(id));
        if (doomed.length === 0) {
          io.err(`tally checkpoints: no checkpoint ${id ?? ''} in ${repo.store.description}\n`);
          return exit(1);
        }
        for (const e of doomed) await scoped.delete(e);
        deleted = doomed.length;
      }
      io.out(`deleted ${deleted} checkpoint(s) from ${repo.store.description}\n`);
    });
}
