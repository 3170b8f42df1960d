import { memoryEventStore } from '../src/index.js';
import { eventStoreContract } from '../src/contract.js';

eventStoreContract('in-memory', async () => ({ store: memoryEventStore(), cleanup: async () => {} }));
