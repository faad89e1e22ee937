// Types of mock-broker.mjs: a librdkafka mock Kafka cluster for tests (C host or kcat).

export type MockKafkaEngine = 'c' | 'kcat';

export interface MockKafkaOptions {
  /** Number of brokers, ids 1..N (default 3). */
  brokers?: number;
  /** Topics to pre-create, name → partition count (C host only). Others auto-create with 4 partitions. */
  topics?: Record<string, number>;
  /** 'c' (default): the compiled C host of the mock API; 'kcat': kcat's built-in mock (no control). */
  engine?: MockKafkaEngine;
}

export interface MockKafka {
  /** The first broker, `host:port`. */
  readonly bootstrap: string;
  /** Every broker, `host:port`, in broker-id order (broker id = index + 1). */
  readonly brokers: string[];
  readonly engine: MockKafkaEngine;
  /** Creates a topic with the given partition count (C host only). */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Disconnects broker `id` and refuses new connections; leadership does not move (C host only). */
  brokerDown(id: number): Promise<void>;
  /** Makes broker `id` accept connections again (C host only). */
  brokerUp(id: number): Promise<void>;
  /** Makes broker `id` the leader of one partition (C host only). */
  setPartitionLeader(topic: string, partition: number, id: number): Promise<void>;
  /** Delays every response of broker `id` by `ms` milliseconds, as a broker across a network would (C host only). */
  setBrokerRtt(id: number, ms: number): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s; resolves once the broker process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a mock cluster on 127.0.0.1 (installing kcat or librdkafka-dev + gcc with apt-get if missing). */
export function startMockKafka(options?: MockKafkaOptions): Promise<MockKafka>;
