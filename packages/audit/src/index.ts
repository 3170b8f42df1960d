export * from './chain.js';
export * from './digest.js';
export * from './verify.js';
