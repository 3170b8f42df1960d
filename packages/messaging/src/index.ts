export * from './errors.js';
export * from './kafka.js';
export * from './producer.js';
export * from './dlq.js';
export * from './consumer.js';
