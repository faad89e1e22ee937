import { describeCheckpointStoreContract } from '../../../test/contracts/checkpoint-store.contract.js';
import { MemoryStore } from './memory-store.js';

describeCheckpointStoreContract('memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
