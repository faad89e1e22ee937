// The CLI's commands: run, validate.

import { Command, CommanderError } from 'commander';
import { pino } from 'pino';
import { EngineError } from '../../core/errors.js';
import { readJobFile } from '../../config/load-job.js';
import { describeJob } from '../../config/describe-job.js';
import type { JobSpec, SinkSpec, SourceSpec } from '../../config/job-spec.js';
import { buildJob } from '../../main.js';
import type { Logger } from '../../ports/logger.js';

/** Exit codes: 0 done, 1 the job failed, 2 the job file or the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function sourceOverride(value: string): SourceSpec {
  if (value === 'stdin' || value === '-') return { type: 'stdin' };
  return { type: 'file', path: value.startsWith('file:') ? value.slice(5) : value };
}

function sinkOverride(value: string): SinkSpec {
  if (value === 'stdout' || value === '-') return { type: 'stdout' };
  return { type: 'file', path: value.startsWith('file:') ? value.slice(5) : value };
}

function makeLogger(level: string): Logger {
  const log = pino({ name: 'tally', level }, pino.destination(2));
  return {
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
  };
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
      const runner = buildJob(job, { logger: makeLogger(options.logLevel) });
      const stop = (): void => runner.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const status = await runner.run();
        const s = status.engine;
        io.err(
          `tally: ${job.name} ${status.state}: ${status.records} records, ${s.events} events, ${s.filteredOut} filtered out, ` +
            `${status.badRecords} bad, ${s.lateRecords} late, ${s.results} results\n`,
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  return code;
}
