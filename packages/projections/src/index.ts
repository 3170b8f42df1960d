export * from './read-model.js';
export * from './scoring-projection.js';
export * from './runner.js';
export * from './queries.js';
export * from './explain.js';
export * from './audit-check.js';
export * from './rulebooks.js';
