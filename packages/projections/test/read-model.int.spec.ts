import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { READ_MODEL_VERSION, ensureReadModel } from '../src/read-model.js';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

describe('ensureReadModel', () => {
  it('replaces a read model of an older version while another process writes, waiting for its lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvk-read-model-'));
    const file = join(dir, 'dvk.sqlite');
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 10000');
      db.exec('CREATE TABLE rm_schema (version INTEGER NOT NULL); INSERT INTO rm_schema VALUES (4); CREATE TABLE rm_scorecards (old); CREATE TABLE events (n)');
      // Another process (ingest, say) holds the write lock for half a second and commits.
      const writer = spawn(process.execPath, [
        '-e',
        `const D = require(${JSON.stringify(betterSqlite3)}); const db = new D(${JSON.stringify(file)});
         db.exec('BEGIN IMMEDIATE; INSERT INTO events VALUES (1)'); process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, 500);`,
      ]);
      const exited = new Promise((r) => writer.once('exit', r));
      await new Promise((r) => writer.stdout.once('data', r));
      ensureReadModel(db);
      expect(db.prepare('SELECT version FROM rm_schema').pluck().all()).toEqual([READ_MODEL_VERSION]);
      expect(db.prepare("SELECT count(*) FROM pragma_table_info('rm_scorecards') WHERE name = 'card'").pluck().get()).toBe(1);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
      await exited;
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
