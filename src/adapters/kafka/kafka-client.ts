// A kafkajs client whose log lines go to the job's logger, and the errors worth retrying.

import kafkajs from 'kafkajs';
import type { Kafka, LogEntry, logLevel as LogLevel } from 'kafkajs';
import type { Logger } from '../../ports/logger.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

/** How each client made by createKafka connects: a thread of its own (the sink's producer) makes an equal one. */
const connections = new WeakMap<Kafka, KafkaConnection>();

/** The connection `kafka` was made with, when createKafka made it. */
export function kafkaConnectionOf(kafka: Kafka): KafkaConnection | undefined {
  return connections.get(kafka);
}

/**
 * kafkajs retries each request itself (with backoff); its own retry count is kept modest so that a
 * long outage surfaces as a log line and a retry at our level rather than as a silent hang.
 */
export function createKafka(connection: KafkaConnection, logger: Logger): Kafka {
  const kafka = new KafkaClient({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => logKafkaEntry(logger, entry),
  });
  connections.set(kafka, { brokers: [...connection.brokers], clientId: connection.clientId });
  return kafka;
}

function logKafkaEntry(logger: Logger, { namespace, level, log }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
  const line = { kafka: namespace, ...fields };
  if (level === (logLevel.ERROR as LogLevel) || level === (logLevel.WARN as LogLevel)) logger.warn(line, `kafka: ${message}`);
  else logger.info(line, `kafka: ${message}`);
}

/** Errors from which a later attempt can recover (a broker restarting, a leader moving, a timeout). */
export function isTransientKafkaError(error: unknown): boolean {
  const e = error as { name?: unknown; retriable?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.retriable === true) return true;
  return (
    typeof e.name === 'string' &&
    ['KafkaJSNumberOfRetriesExceeded', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound', 'KafkaJSLockTimeout'].includes(
      e.name,
    )
  );
}

/** Milliseconds to wait before attempt `attempt` (1, 2, …): doubling from 250 ms up to 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(attempt - 1, 10));
}

/** Runs `attempt` until it succeeds, waiting with backoff after each transient failure (logged). */
export async function retryTransient<T>(what: string, logger: Logger, attempt: () => Promise<T>, isStopped: () => boolean = () => false): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientKafkaError(error) || isStopped()) throw error;
      const waitMs = backoffMs(n);
      logger.warn({ attempt: n, retryInMs: waitMs, err: error }, `kafka: ${what} failed, retrying`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
