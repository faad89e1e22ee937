// Starts and stops a Kafka-protocol test broker: librdkafka's in-memory mock cluster, hosted by
// mock-kafka.c (default; chosen partition counts, broker down/up) or by Debian's kcat (4 partitions
// per auto-created topic, no control). Installs what is missing with apt-get. Test/bench use only.
//
// Library: `import { startMockKafka } from './scripts/kafka/mock-broker.mjs'` (types: mock-broker.d.mts).
// CLI:     node scripts/kafka/mock-broker.mjs [--kcat] [--brokers N] [topic:parts ...]
//          prints `bootstrap.servers=...` and runs until SIGINT/SIGTERM.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, '..', '..');
const C_SOURCE = join(HERE, 'mock-kafka.c');
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'tally-mock-kafka');
const MOCK_HEADER = '/usr/include/librdkafka/rdkafka_mock.h';
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/**
 * @typedef {object} MockKafkaOptions
 * @property {number} [brokers] number of brokers, ids 1..N (default 3)
 * @property {Record<string, number>} [topics] topics to pre-create, name → partition count (C host only)
 * @property {'c' | 'kcat'} [engine] 'c' (default): the C host; 'kcat': kcat's built-in mock
 */

/**
 * @typedef {object} MockKafka
 * @property {string} bootstrap first broker, `host:port`
 * @property {string[]} brokers every broker, `host:port`, in broker-id order (id = index + 1)
 * @property {'c' | 'kcat'} engine
 * @property {(name: string, partitions: number) => Promise<void>} createTopic
 * @property {(id: number) => Promise<void>} brokerDown
 * @property {(id: number) => Promise<void>} brokerUp
 * @property {(topic: string, partition: number, id: number) => Promise<void>} setPartitionLeader
 * @property {(id: number, ms: number) => Promise<void>} setBrokerRtt
 * @property {() => Promise<void>} stop
 */

/** Children still running; killed when this process exits, whatever stops() were missed. */
/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set();
let exitHookInstalled = false;

/** @param {import('node:child_process').ChildProcess} child */
function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

/**
 * Runs a command, its output going to our stderr; rejects on a non-zero exit.
 * @param {string} cmd
 * @param {string[]} args
 * @returns {Promise<void>}
 */
function run(cmd, args) {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(cmd, args, { stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', rejectRun);
    child.once('exit', (code, signal) =>
      code === 0 ? resolveRun() : rejectRun(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** @param {string} name */
function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, name)));
}

let aptUpdated = false;

/**
 * apt-get installs the packages (an `apt-get update` first, once per process). Waits for the dpkg
 * lock, so parallel test workers installing at once do not fail.
 * @param {string[]} packages
 */
async function aptInstall(packages) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const [cmd, ...pre] = [...prefix, 'apt-get'];
  const lock = ['-o', 'DPkg::Lock::Timeout=120'];
  process.stderr.write(`mock-kafka: installing ${packages.join(' ')} with apt-get\n`);
  if (!aptUpdated) {
    await run(/** @type {string} */ (cmd), [...pre, ...lock, 'update', '-qq']);
    aptUpdated = true;
  }
  await run(/** @type {string} */ (cmd), [...pre, ...lock, 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

/** The compiled C host, (re)built when missing or older than mock-kafka.c. */
async function buildCHost() {
  const binary = join(CACHE_DIR, 'mock-kafka');
  const hasCompiler = onPath('cc') || onPath('gcc');
  if (!existsSync(MOCK_HEADER) || !hasCompiler) {
    await aptInstall(['librdkafka-dev', 'gcc']);
  }
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(C_SOURCE).mtimeMs) return binary;
  mkdirSync(CACHE_DIR, { recursive: true });
  // Compile to a private name, then rename: concurrent test workers never run a half-written file.
  const tmp = `${binary}.${process.pid}.tmp`;
  try {
    await run(onPath('cc') ? 'cc' : 'gcc', ['-O2', '-o', tmp, C_SOURCE, '-lrdkafka']);
    renameSync(tmp, binary);
  } finally {
    rmSync(tmp, { force: true });
  }
  return binary;
}

/**
 * Resolves once `host:port` accepts a TCP connection; rejects at the deadline.
 * @param {string} address
 * @param {number} deadline epoch ms
 */
async function waitForPort(address, deadline) {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  for (;;) {
    const isOpen = await new Promise((done) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`mock-kafka: ${address} does not accept connections`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits for the first match of `pattern` in a stream of the child; fails with the child's stderr if it
 * exits first or nothing matches within START_TIMEOUT_MS.
 * @param {import('node:child_process').ChildProcess} child
 * @param {import('node:stream').Readable} stream
 * @param {RegExp} pattern
 * @param {() => string} stderrText
 * @param {string} what
 * @returns {Promise<RegExpMatchArray>}
 */
function waitForLine(child, stream, pattern, stderrText, what) {
  return new Promise((resolveWait, rejectWait) => {
    let text = '';
    const fail = (/** @type {string} */ why) => {
      cleanup();
      child.kill('SIGKILL');
      rejectWait(new Error(`mock-kafka: ${what} ${why}\n--- stderr ---\n${stderrText()}`));
    };
    const onData = (/** @type {Buffer} */ chunk) => {
      text += chunk.toString('utf8');
      const m = text.match(pattern);
      if (m) {
        cleanup();
        resolveWait(m);
      }
    };
    const onExit = (/** @type {number | null} */ code, /** @type {string | null} */ signal) =>
      fail(`exited before it was ready (${signal ?? `exit ${code}`})`);
    const onError = (/** @type {Error} */ e) => fail(`could not start: ${e.message}`);
    const timer = setTimeout(() => fail(`printed no bootstrap address within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function cleanup() {
      clearTimeout(timer);
      stream.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    stream.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves when the child has exited.
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<void>}
 */
function terminate(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * @param {string} engine
 * @param {string} what
 * @returns {Promise<never>}
 */
function unsupported(engine, what) {
  return Promise.reject(new Error(`mock-kafka: ${what} needs the C host; the ${engine} engine cannot do it`));
}

/**
 * @param {number} brokers
 * @param {Record<string, number>} topics
 * @returns {Promise<MockKafka>}
 */
async function startCHost(brokers, topics) {
  const binary = await buildCHost();
  const specs = Object.entries(topics).map(([name, parts]) => `${name}:${parts}`);
  // Commands go over stdin; the host stops on stdin EOF, so it cannot outlive this process.
  const child = spawn(binary, ['-b', String(brokers), ...specs], { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (/** @type {Buffer} */ c) => {
    stderr = (stderr + c.toString('utf8')).slice(-20_000);
  });
  const stdout = /** @type {import('node:stream').Readable} */ (child.stdout);
  const deadline = Date.now() + START_TIMEOUT_MS;
  const m = await waitForLine(child, stdout, /^bootstrap\.servers=(\S+)\n/, () => stderr, 'the C host');
  const addresses = /** @type {string} */ (m[1]).split(',');
  try {
    await waitForPort(/** @type {string} */ (addresses[0]), deadline);
  } catch (e) {
    await terminate(child);
    throw e;
  }

  // Replies after the bootstrap line: one line per command, in order.
  /** @type {Array<(line: string) => void>} */
  const waiting = [];
  let pending = '';
  stdout.on('data', (/** @type {Buffer} */ chunk) => {
    pending += chunk.toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  child.once('exit', () => {
    for (const w of waiting.splice(0)) w('error mock-kafka exited');
  });

  let chain = Promise.resolve();
  /** @param {string} command */
  const send = (command) => {
    const result = chain.then(
      () =>
        new Promise((resolveCommand, rejectCommand) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            rejectCommand(new Error(`mock-kafka: '${command}' after the broker stopped`));
            return;
          }
          waiting.push((line) =>
            line === 'ok' ? resolveCommand(undefined) : rejectCommand(new Error(`mock-kafka: '${command}': ${line}`)),
          );
          child.stdin?.write(`${command}\n`);
        }),
    );
    chain = result.catch(() => undefined);
    return /** @type {Promise<void>} */ (result);
  };

  /** @type {Promise<void> | undefined} */
  let stopping;
  return {
    bootstrap: /** @type {string} */ (addresses[0]),
    brokers: addresses,
    engine: 'c',
    createTopic: (name, partitions) => send(`topic ${name} ${partitions}`),
    brokerDown: (id) => send(`down ${id}`),
    brokerUp: (id) => send(`up ${id}`),
    setPartitionLeader: (topic, partition, id) => send(`leader ${topic} ${partition} ${id}`),
    setBrokerRtt: (id, ms) => send(`rtt ${id} ${Math.round(ms)}`),
    stop() {
      stopping ??= terminate(child).then(() => {
        child.stdin?.destroy();
      });
      return stopping;
    },
  };
}

/**
 * @param {number} brokers
 * @returns {Promise<MockKafka>}
 */
async function startKcat(brokers) {
  if (!onPath('kcat')) await aptInstall(['kcat']);
  const args = ['-X', `test.mock.num.brokers=${brokers}`, '-C', '-t', '__mock_keepalive', '-o', 'end', '-b', 'localhost:1', '-q'];
  const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  child.stdout?.resume();
  let stderr = '';
  const stderrStream = /** @type {import('node:stream').Readable} */ (child.stderr);
  stderrStream.on('data', (/** @type {Buffer} */ c) => {
    stderr = (stderr + c.toString('utf8')).slice(-20_000);
  });
  // kcat does not die with its parent: a watcher whose stdin is a pipe from this process kills it
  // once that pipe closes, however this process ends.
  const watcher = spawn('sh', ['-c', `cat >/dev/null; kill -9 ${child.pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  track(watcher);
  const stopWatcher = () => {
    // Watcher first, then its pipe: its `kill` must never reach a reused pid.
    watcher.kill('SIGKILL');
    watcher.stdin?.destroy();
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  /** @type {string[]} */
  let addresses;
  try {
    const m = await waitForLine(child, stderrStream, /Mock cluster enabled:.*?replaced with (\S+)/, () => stderr, 'kcat');
    addresses = /** @type {string} */ (m[1]).split(',');
    await waitForPort(/** @type {string} */ (addresses[0]), deadline);
  } catch (e) {
    await terminate(child);
    stopWatcher();
    throw e;
  }

  /** @type {Promise<void> | undefined} */
  let stopping;
  return {
    bootstrap: /** @type {string} */ (addresses[0]),
    brokers: addresses,
    engine: 'kcat',
    createTopic: () => unsupported('kcat', 'createTopic (kcat auto-creates topics with 4 partitions)'),
    brokerDown: () => unsupported('kcat', 'brokerDown'),
    brokerUp: () => unsupported('kcat', 'brokerUp'),
    setPartitionLeader: () => unsupported('kcat', 'setPartitionLeader'),
    setBrokerRtt: () => unsupported('kcat', 'setBrokerRtt'),
    stop() {
      stopping ??= terminate(child).then(stopWatcher);
      return stopping;
    },
  };
}

/**
 * Starts a mock Kafka cluster on 127.0.0.1 and resolves once its first broker accepts connections.
 * Topics not pre-created are auto-created (4 partitions) on first metadata request or produce.
 * State is in memory; each partition keeps only its last 5 MiB.
 * @param {MockKafkaOptions} [options]
 * @returns {Promise<MockKafka>}
 */
export async function startMockKafka(options = {}) {
  const brokers = options.brokers ?? 3;
  const topics = options.topics ?? {};
  const engine = options.engine ?? 'c';
  if (!Number.isInteger(brokers) || brokers < 1) throw new Error(`mock-kafka: brokers must be a positive integer, got ${brokers}`);
  for (const [name, parts] of Object.entries(topics)) {
    if (!Number.isInteger(parts) || parts < 1) throw new Error(`mock-kafka: topic ${name} needs a positive partition count`);
  }
  if (engine === 'kcat') {
    if (Object.keys(topics).length > 0) throw new Error('mock-kafka: the kcat engine cannot pre-create topics; use the C host');
    return startKcat(brokers);
  }
  if (engine !== 'c') throw new Error(`mock-kafka: unknown engine ${String(engine)}`);
  return startCHost(brokers, topics);
}

/** @param {string[]} argv */
async function main(argv) {
  /** @type {MockKafkaOptions} */
  const options = { engine: 'c', brokers: 3, topics: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    if (arg === '--kcat') options.engine = 'kcat';
    else if (arg === '--brokers') options.brokers = Number(argv[++i]);
    else if (/^[^:]+:\d+$/.test(arg)) {
      const [name, parts] = arg.split(':');
      /** @type {Record<string, number>} */ (options.topics)[/** @type {string} */ (name)] = Number(parts);
    } else {
      process.stderr.write('usage: node scripts/kafka/mock-broker.mjs [--kcat] [--brokers N] [topic:parts ...]\n');
      process.exit(2);
    }
  }
  const kafka = await startMockKafka(options);
  process.stdout.write(`bootstrap.servers=${kafka.brokers.join(',')}\n`);
  let isStopping = false;
  const shutdown = () => {
    if (isStopping) return; // a second signal must not kill us before the broker is down
    isStopping = true;
    kafka.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
