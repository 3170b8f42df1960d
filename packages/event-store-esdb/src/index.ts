export { openEsdbEventStore, createEsdbEventStore, type EsdbEventStore, type EsdbStoreOptions, type OpenEsdbOptions } from './store.js';
export { connectEsdbClient, toEsdbError, type RealClientOptions } from './real-client.js';
export { EsdbError, isEsdbError, type EsdbClient, type EsdbErrorKind, type EsdbRecorded, type EsdbEventData, type EsdbFrom } from './client.js';
export { DVK_STREAM_PREFIXES, CLAIM_STREAM_PREFIX, COUNT_STREAM } from './internal.js';
export type { ResubscribeOptions } from './subscription.js';
