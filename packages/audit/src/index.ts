export * from './chain.js';
export * from './digest.js';
