export * from './port.js';
export * from './subscription.js';
export * from './memory.js';
export * from './dead-letters.js';
export * from './digest.js';
export * from './crash.js';
