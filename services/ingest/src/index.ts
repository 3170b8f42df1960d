export { IngestConfig, INGEST_ENV, loadIngestConfig } from './config.js';
export { startIngest, type IngestService, type StartIngestOptions } from './service.js';
export { ingestRoutes, EVENTS_ROUTE, JSON_TYPES, NDJSON_TYPES, type BatchAnswer, type IngestRoutesOptions, type ResultLine } from './http.js';
export { Ingestor, type Candidate, type IngestorOptions, type ItemResult, type RejectCode } from './ingestor.js';
export { ingestMetrics, type IngestMetrics } from './metrics.js';
export { adminRoutes, ADMIN_PREFIX, type AdminRoutesOptions } from './admin-routes.js';
export { CODE_HEADER, SOURCE_HEADER, kafkaCandidates, partitionKeyOf, startKafkaIngest, type KafkaIngest, type KafkaIngestState } from './kafka.js';
export { splitIngestStore, sqliteIngestStore, type IngestStore } from './store.js';
