// The CLI's commands: run, validate, generate, checkpoints.

import { Command, CommanderError } from 'commander';
import { EngineError } from '../../core/errors.js';
import { readJobFile } from '../../config/load-job.js';
import { describeJob } from '../../config/describe-job.js';
import type { JobSpec, SinkSpec, SourceSpec } from '../../config/job-spec.js';
import { buildJob, createLogger, writeGeneratedClicks } from '../../main.js';
import { readTimestamp } from '../../core/event/timestamp.js';
import { addCheckpointCommands } from './checkpoints-command.js';

/** Exit codes: 0 done, 1 the job failed, 2 the job file or the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function sourceOverride(value: string): SourceSpec {
  if (value === 'stdin' || value === '-') return { type: 'stdin' };
  return { type: 'file', path: value.startsWith('file:') ? value.slice(5) : value };
}

function where(output: { readonly type: string; readonly path?: string }): string {
  return output.path ?? output.type;
}

function sinkOverride(value: string): SinkSpec {
  if (value === 'stdout' || value === '-') return { type: 'stdout' };
  return { type: 'file', path: value.startsWith('file:') ? value.slice(5) : value };
}

async function loadJob(path: string, io: { err: (text: string) => void }): Promise<JobSpec | null> {
  try {
    return await readJobFile(path);
  } catch (error) {
    if (error instanceof EngineError) {
      io.err(`${error.message}\n`);
      return null;
    }
    throw error;
  }
}

/** Runs the CLI with the given argv; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
  let code = EXIT_OK;
  const program = new Command()
    .name('tally')
    .description('Event-time windowed aggregates over click streams.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('validate')
    .description('check a job file and print what it means')
    .argument('<job>', 'job file (YAML or JSON)')
    .action(async (path: string) => {
      const job = await loadJob(path, io);
      if (job === null) {
        code = EXIT_USAGE;
        return;
      }
      io.out(`${describeJob(job)}\n`);
    });

  program
    .command('run')
    .description('run a job: read its source, write window results to its sink')
    .argument('<job>', 'job file (YAML or JSON)')
    .option('--source <source>', "read events from 'stdin' or a file path instead of the job's source")
    .option('--sink <sink>', "write results to 'stdout' or a file path instead of the job's sink")
    .option('--log-level <level>', 'log level: debug, info, warn, error', 'info')
    .action(async (path: string, options: { source?: string; sink?: string; logLevel: string }) => {
      const loaded = await loadJob(path, io);
      if (loaded === null) {
        code = EXIT_USAGE;
        return;
      }
      const job: JobSpec = {
        ...loaded,
        ...(options.source === undefined ? {} : { source: sourceOverride(options.source) }),
        ...(options.sink === undefined ? {} : { sink: sinkOverride(options.sink) }),
      };
      let runner;
      try {
        runner = await buildJob(job, { logger: createLogger(options.logLevel) });
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        io.err(`${error.message}\n`);
        code = EXIT_USAGE;
        return;
      }
      const stop = (): void => runner.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const status = await runner.run();
        const s = status.engine;
        io.err(
          `tally: ${job.name} ${status.state}: ${status.records} records, ${s.events} events, ${s.filteredOut} filtered out, ` +
            `${status.badRecords} bad, ${s.lateRecords} late, ${s.results} results` +
            ` → ${where(job.sink)} (bad: ${where(job.deadLetter)}, late: ${where(job.lateOutput)})\n`,
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  program
    .command('generate')
    .description('write a seeded, realistic click stream as NDJSON to standard output (for demos and tests)')
    .option('--events <n>', 'how many lines', '10000')
    .option('--rate <n>', 'average events per second of event time', '100')
    .option('--users <n>', 'distinct user ids (Zipf-distributed)', '1000')
    .option('--pages <n>', 'distinct pages (Zipf-distributed)', '100')
    .option('--seed <n>', 'seed: the same seed gives the same lines', '1')
    .option('--start <time>', 'event time of the first line, ISO-8601 with a zone', '2026-11-23T00:00:00Z')
    .action(async (options: Record<string, string>) => {
      const numbers = ['events', 'rate', 'users', 'pages', 'seed'].map((name) => [name, Number(options[name])] as const);
      const wrong = numbers.find(([, n]) => !Number.isSafeInteger(n) || n < 0);
      const startTimeMs = readTimestamp(options.start);
      if (wrong !== undefined || startTimeMs === null) {
        io.err(wrong !== undefined ? `tally generate: --${wrong[0]} must be a whole number ≥ 0\n` : `tally generate: --start must be ISO-8601 with a zone\n`);
        code = EXIT_USAGE;
        return;
      }
      const [events, eventsPerSecond, users, pages, seed] = numbers.map(([, n]) => n) as [number, number, number, number, number];
      try {
        await writeGeneratedClicks({ events, eventsPerSecond, users, pages, seed, startTimeMs }, process.stdout);
      } catch (error) {
        // `tally generate | head`: the reader has what it wanted.
        if ((error as { code?: unknown }).code !== 'EPIPE') throw error;
      }
    });

  addCheckpointCommands(program, io, (path) => loadJob(path, io), (c) => {
    code = c;
  });

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  return code;
}
