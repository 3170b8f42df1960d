export * from './canonical.js';
export * from './time.js';
export * from './events.js';
export * from './parse.js';
export * from './results.js';
export * from './json-schema.js';
export * from './fast.js';
export * from './labels.js';
