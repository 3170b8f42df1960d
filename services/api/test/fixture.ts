import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLines } from '@dvk/sample';

/**
 * The sample district (seed 2016, as `pnpm start` uses) in a fresh SQLite store, built with the
 * real `dvk` command (generate → import), so that the API is checked against exactly what the CLI
 * computes. Each test file gets its own temporary directory, removed by `cleanup`.
 */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'services/cli/src/main.ts');

export interface SampleDb {
  dir: string;
  db: string;
  ndjson: string;
  cleanup(): void;
}

/** Runs the `dvk` command (as `pnpm dvk …` does) and returns its stdout. */
export function dvk(args: string[]): string {
  return execFileSync(TSX, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, DVK_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function buildSampleDb(seed = 2016): SampleDb {
  const dir = mkdtempSync(join(tmpdir(), 'dvk-api-test-'));
  const ndjson = join(dir, 'sample-district.ndjson');
  const db = join(dir, 'dvk.sqlite');
  let text = '';
  for (const line of generateLines({ seed })) text += line + '\n';
  writeFileSync(ndjson, text);
  dvk(['--db', db, 'import', ndjson, '--json']);
  return { dir, db, ndjson, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
