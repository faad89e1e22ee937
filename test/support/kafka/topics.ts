// Test helpers around a Kafka topic: produce lines, read everything back up to the end offsets.

import kafkajs from 'kafkajs';

const { Kafka, Partitioners, logLevel } = kafkajs;

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

function client(broker: string): InstanceType<typeof Kafka> {
  return new Kafka({ brokers: [broker], clientId: 'tally-test', logLevel: logLevel.NOTHING });
}

export interface ProducedMessage {
  readonly key: string | null;
  readonly value: string | null;
  /** A fixed partition (default: by the key). */
  readonly partition?: number;
}

/** Produces the messages in batches (acks from all replicas). */
export async function produce(broker: string, topic: string, messages: readonly ProducedMessage[], batchSize = 5_000): Promise<void> {
  const producer = client(broker).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batchSize).map((m) => ({ key: m.key, value: m.value, partition: m.partition })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Click lines keyed by their user_id (unparseable lines by a fixed key), as a site would publish them. */
export function keyedByUser(lines: readonly string[]): ProducedMessage[] {
  return lines.map((line) => {
    let key = 'unparseable';
    try {
      const parsed = JSON.parse(line) as { user_id?: unknown };
      if (parsed.user_id !== undefined) key = String(parsed.user_id);
    } catch {
      // Published as they are: the job must put them in its dead-letter output.
    }
    return { key, value: line };
  });
}

export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
}

/**
 * Every message of the topic, up to the end offsets at the time of the call (by partition, in
 * offset order). Uses no consumer group: reads each partition with a fresh group of its own.
 */
export async function readTopic(broker: string, topic: string): Promise<ReadMessage[]> {
  const kafka = client(broker);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const wanted = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const out: ReadMessage[] = [];
  if (wanted.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${process.pid}-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}: still waiting for ${JSON.stringify([...wanted])}`)), 60_000);
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const end = wanted.get(batch.partition);
          if (end === undefined) return;
          for (const m of batch.messages) {
            if (Number(m.offset) >= end) break;
            out.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? '' });
          }
          if (Number(batch.lastOffset()) + 1 >= end) wanted.delete(batch.partition);
          if (wanted.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** What a compacted topic keeps: the last value of each key (in offset order per partition). */
export function compacted(messages: readonly ReadMessage[]): Map<string, string> {
  const latest = new Map<string, string>();
  for (const m of messages) latest.set(m.key ?? '', m.value);
  return latest;
}

/** Per partition, how far the group's commits say the job has processed (Tally's resume point), summed. */
export async function processedByGroup(broker: string, groupId: string, topic: string): Promise<number> {
  const admin = client(broker).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    let total = 0;
    for (const p of offsets?.partitions ?? []) {
      const resume = p.metadata === null ? null : (JSON.parse(p.metadata) as { processedUpTo?: number });
      total += resume?.processedUpTo ?? 0;
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}
