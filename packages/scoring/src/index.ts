export * from './rulebook.js';
export * from './state.js';
export * from './context.js';
export * from './score.js';
export * from './year.js';
export * from './rejected.js';
export * from './explain.js';
