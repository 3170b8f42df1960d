export * from './ndjson.js';
export * from './importer.js';
export * from './sources.js';
export * from './admin.js';
