// Test-only preload for `tally` child processes (node --import): makes every kafkajs consumer use a
// round-robin assigner whose group leader answers 250 ms late. librdkafka's mock broker answers a
// follower's SyncGroup that arrives after the leader's with INVALID_REQUEST, which kafkajs does
// not survive; real brokers do not need this. Never loaded by the product.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs');
const { roundRobin } = kafkajs.PartitionAssigners;

const delayedRoundRobin = (config) => {
  const rr = roundRobin(config);
  return {
    ...rr,
    async assign(group) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      return rr.assign(group);
    },
  };
};

const consumer = kafkajs.Kafka.prototype.consumer;
kafkajs.Kafka.prototype.consumer = function consumerWithDelayedAssigner(options = {}) {
  return consumer.call(this, { partitionAssigners: [delayedRoundRobin], ...options });
};
