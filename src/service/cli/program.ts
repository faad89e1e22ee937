// The CLI's commands: run, validate, generate, checkpoints.

import { Command, CommanderError } from 'commander';
import { EngineError } from '../../core/errors.js';
import { readJobFile } from '../../config/load-job.js';
import { describeJob } from '../../config/describe-job.js';
import type { JobSpec, SinkSpec, SourceSpec } from '../../config/job-spec.js';
import { buildJob, createLogger, writeGeneratedClicks } from '../../main.js';
import { readTimestamp } from '../../core/event/timestamp.js';
import { addCheckpointCommands } from './checkpoints-command.js';
import type { Server } from 'node:http';
import type { ApiSpec } from '../../config/job-spec.js';
import { apiTokenProblem, DEFAULT_API_SPEC, parseListen } from '../../config/api-schema.js';
import type { Logger } from '../../ports/logger.js';
import type { JobControl } from '../../runtime/job-control.js';
import { ApiListenError, bindApiPort, createApiServer, type ApiServer } from '../api/server.js';

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

/** The API a run serves: the job file's api section, --api over it, the token from TALLY_API_TOKEN when the file has none. */
export function apiSettings(job: JobSpec, flag: string | undefined, env: NodeJS.ProcessEnv): { readonly settings: ApiSpec | null } | { readonly problem: string } {
  let api = job.api;
  if (flag === 'off') return { settings: null };
  if (flag !== undefined) {
    const listen = parseListen(flag);
    if ('problem' in listen) return { problem: `--api: ${listen.problem}, or off` };
    api = { ...(api ?? DEFAULT_API_SPEC), host: listen.host, port: listen.port };
  }
  if (api === null) return { settings: null };
  const envToken = env.TALLY_API_TOKEN;
  if (api.token === null && envToken !== undefined && envToken !== '') {
    const problem = apiTokenProblem(envToken);
    if (problem !== null) return { problem: `TALLY_API_TOKEN: the token ${problem}` };
    api = { ...api, token: envToken };
  }
  if (api.requireTokenForReads && api.token === null) {
    return { problem: 'api.requireTokenForReads needs a token: set api.token or TALLY_API_TOKEN' };
  }
  return { settings: api };
}

/** Serves the API of a built job on the bound port, and logs where. */
async function serveApi(control: JobControl, port: Server, api: ApiSpec, job: JobSpec, logger: Logger): Promise<ApiServer> {
  const server = createApiServer({
    control,
    token: api.token,
    openControl: api.openControl,
    requireTokenForReads: api.requireTokenForReads,
    emit: job.emit,
    logger,
    server: port,
  });
  const address = await server.listen(api.host, api.port);
  const controlWords = api.token !== null ? 'need the bearer token' : api.openControl ? 'are open (openControl)' : 'are disabled (no token)';
  logger.info({ job: job.name, url: address.url, dashboard: `${address.url}/`, docs: `${address.url}/docs` }, `api: serving on ${address.url}; control endpoints ${controlWords}`);
  if (!isLoopback(address.host) && !api.requireTokenForReads) {
    logger.warn({ job: job.name, url: address.url }, 'api: listening beyond this machine with reads open to anyone who can connect (set api.requireTokenForReads)');
  }
  return server;
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost' || host === '::ffff:127.0.0.1';
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
    .option('--api <address>', "serve the REST API on host:port instead of the job's api.listen, or 'off'")
    .action(async (path: string, options: { source?: string; sink?: string; logLevel: string; api?: string }) => {
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
      const api = apiSettings(job, options.api, process.env);
      if ('problem' in api) {
        io.err(`tally run: ${api.problem}\n`);
        code = EXIT_USAGE;
        return;
      }
      const logger = createLogger(options.logLevel);
      // The port first: a port in use must fail before the job opens (and truncates) its outputs.
      let port: Server | null = null;
      if (api.settings !== null) {
        try {
          port = await bindApiPort(api.settings.host, api.settings.port);
        } catch (error) {
          if (!(error instanceof ApiListenError)) throw error;
          io.err(`tally run: ${error.message}\n`);
          code = EXIT_USAGE;
          return;
        }
      }
      let runner;
      try {
        runner = await buildJob(job, { logger });
      } catch (error) {
        port?.close();
        if (!(error instanceof EngineError)) throw error;
        io.err(`${error.message}\n`);
        code = EXIT_USAGE;
        return;
      }
      const server = port === null || api.settings === null ? null : await serveApi(runner.control, port, api.settings, job, logger);
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
        await server?.close();
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
