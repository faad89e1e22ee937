// Test-only kafkajs shims for librdkafka's mock cluster (see shared notes, infrastructure section 1.2).
// Never import this from src/: it patches kafkajs internals.

import { createRequire } from 'node:module';
import kafkajs, { type Assigner, type PartitionAssigner } from 'kafkajs';

const require = createRequire(import.meta.url);

interface ClusterInternals {
  brokerPool: { metadata?: { brokers?: Array<{ nodeId: number }> } };
  findBroker(query: { nodeId: string }): Promise<unknown>;
  findControllerBroker(): Promise<unknown>;
}

let isControllerFallbackInstalled = false;

/**
 * The mock reports ControllerId 0 while its brokers are numbered 1..N, so kafkajs cannot find "the
 * controller" (idempotent producer, admin calls). This sends controller requests to the first broker
 * of the metadata instead. Patches kafkajs' Cluster prototype for the whole process; idempotent.
 */
export function installControllerFallback(): void {
  if (isControllerFallbackInstalled) return;
  isControllerFallbackInstalled = true;
  const Cluster = require('kafkajs/src/cluster') as { prototype: ClusterInternals };
  const original = Cluster.prototype.findControllerBroker;
  Cluster.prototype.findControllerBroker = async function findControllerBroker(this: ClusterInternals) {
    try {
      return await original.call(this);
    } catch (e) {
      const brokers = this.brokerPool.metadata?.brokers;
      const first = brokers?.[0];
      if ((e as { name?: string }).name !== 'KafkaJSBrokerNotFound' || first === undefined) throw e;
      return this.findBroker({ nodeId: String(first.nodeId) });
    }
  };
}

/** How long the group leader waits before answering with its assignment. */
const ASSIGN_DELAY_MS = 250;

/**
 * kafkajs' RoundRobinAssigner (same protocol name), answering ASSIGN_DELAY_MS later. The mock answers
 * a follower's SyncGroup that arrives after the leader's with INVALID_REQUEST, which crashes a kafkajs
 * consumer; delaying the leader lets the followers' SyncGroup arrive first.
 * Use with `sessionTimeout: 4000, heartbeatInterval: 500, partitionAssigners: [delayedRoundRobin]`.
 */
export const delayedRoundRobin: PartitionAssigner = (config) => {
  const roundRobin: Assigner = kafkajs.PartitionAssigners.roundRobin(config);
  return {
    ...roundRobin,
    async assign(group) {
      await new Promise((resolve) => setTimeout(resolve, ASSIGN_DELAY_MS));
      return roundRobin.assign(group);
    },
  };
};
