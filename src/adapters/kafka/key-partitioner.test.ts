import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keyPartitioner, murmur2 } from './key-partitioner.js';

describe('keyPartitioner', () => {
  it('puts every key on the partition kafkajs (and the Java client) would', () => {
    const reference = kafkajs.Partitioners.DefaultPartitioner();
    const ours = keyPartitioner();
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'héllo wörld ☃', 'per_minute|1795456800000|{"user_id":24963}'];
    for (let i = 0; i < 20_000; i++) keys.push(`w|${i * 60_000}|{"user_id":${(i * 7919) % 100_000}}${'x'.repeat(i % 5)}`);
    for (const partitions of [1, 4, 7, 64]) {
      const partitionMetadata = Array.from({ length: partitions }, (_v, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
      for (const key of keys) {
        const message = { key, value: 'v' };
        expect(ours({ topic: 't', partitionMetadata, message })).toBe(reference({ topic: 't', partitionMetadata, message }));
      }
    }
  });

  it('hashes Kafka test vectors', () => {
    // From the Java client's UtilsTest.testMurmur2.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });

  it('keeps a message its given partition, and spreads keyless ones', () => {
    const p = keyPartitioner();
    const partitionMetadata = Array.from({ length: 3 }, (_v, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
    expect(p({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 2 } })).toBe(2);
    const spread = new Set(Array.from({ length: 6 }, () => p({ topic: 't', partitionMetadata, message: { value: 'v' } })));
    expect(spread).toEqual(new Set([0, 1, 2]));
  });
});
