// Programmatic use of the embedded default (benchmarks, tests, embedding).
export { openApp, refresh, makeLogger, dbPath, type App, type GlobalOptions } from './app.js';
export { serve, type Served } from './serve.js';
export { importFile, type ImportFileOptions } from './commands/import.js';
export { buildProgram } from './main.js';
