import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '@dvk/sample';
import { CLI, ROOT, runCli, sleep, tempDir } from '../support.js';

/**
 * Backup and restore of the embedded store (docs/reliability.md, "Backup and restore"): the
 * sample district is imported; a second import runs in another process, fed through a pipe, and
 * `dvk backup` is taken while it is half-way; the backup is restored into a new file, its hash
 * chain verified, and its reports are byte-identical to the source's as of the backup's
 * position. Restore refuses to overwrite a store, a tampered backup and files that are no store.
 */

const tmp = tempDir('dvk-backup-');
const source = join(tmp.dir, 'source.sqlite');
const backup = join(tmp.dir, 'backup.sqlite');
const restored = join(tmp.dir, 'restored.sqlite');
const YEARS = [2016, 2017, 2018, 2019, 2020];
let lines: string[];
let headBeforeSecondImport = 0;
let backupPosition = 0;
let finalPosition = 0;

const head = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck().get() as number) ?? 0;
  } finally {
    db.close();
  }
};
const ok = async (args: string[]) => {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`dvk ${args.join(' ')}: ${r.error ?? `exit ${r.code}`}`);
  return r.stdout;
};

beforeAll(async () => {
  // two copies of the district: enough lines for the second import to commit several chunks
  lines = [...generateLines({ seed: 2016, districts: 2 })];
  const first = join(tmp.dir, 'first.ndjson');
  writeFileSync(first, lines.slice(0, 20_000).join('\n') + '\n');
  await ok(['--db', source, 'import', first, '--json']);
  headBeforeSecondImport = head(source);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('dvk backup while an import is running, then dvk restore', () => {
  it('backs up a consistent snapshot mid-import', async () => {
    // the second import reads a named pipe: it is running for as long as the test feeds it
    const fifo = join(tmp.dir, 'second.ndjson');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', source, 'import', fifo, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DVK_LOG_LEVEL: 'warn' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const pipe = createWriteStream(fifo);
    const rest = lines.slice(20_000);
    // feed it until it has committed a chunk (whatever its chunk size), then stop feeding: it waits, mid-import
    let fed = 0;
    const deadline = Date.now() + 60_000;
    while (head(source) === headBeforeSecondImport && fed < rest.length && Date.now() < deadline) {
      const piece = rest.slice(fed, fed + 2000);
      fed += piece.length;
      if (!pipe.write(piece.join('\n') + '\n')) await new Promise<void>((r) => pipe.once('drain', () => r()));
      await sleep(30);
    }
    while (head(source) === headBeforeSecondImport && Date.now() < deadline) await sleep(30);
    expect(head(source)).toBeGreaterThan(headBeforeSecondImport);
    expect(fed).toBeLessThan(rest.length);

    const b = JSON.parse(await ok(['--db', source, 'backup', '--out', backup, '--json'])) as { position: number; events: number; digest: { root: string } };
    backupPosition = b.position;
    expect(b.position).toBeGreaterThan(headBeforeSecondImport);

    pipe.end(rest.slice(fed).join('\n') + '\n');
    expect(await exited, err).toBe(0);
    const summary = JSON.parse(out) as { appended: number };
    expect(summary.appended).toBeGreaterThan(backupPosition - headBeforeSecondImport);
    finalPosition = head(source);
    expect(finalPosition).toBeGreaterThan(backupPosition); // the backup was taken mid-import
    // the backup is one self-contained file (no -wal beside it), at the position it reports
    expect(existsSync(`${backup}-wal`)).toBe(false);
    expect(head(backup)).toBe(backupPosition);
    // its digest is the source's digest at that position
    const digest = JSON.parse(await ok(['--db', source, 'digest', '--at', String(backupPosition)])) as { root: string };
    expect(b.digest.root).toBe(digest.root);
  });

  it('restores into a new file, verifies the hash chain, and gives byte-identical reports as of the backup', async () => {
    const r = JSON.parse(await ok(['--db', restored, 'restore', backup, '--json'])) as { position: number; digest: { root: string } };
    expect(r.position).toBe(backupPosition);
    const verify = await runCli(['--db', restored, 'verify', '--json']);
    expect(verify.code).toBe(0);
    const v = JSON.parse(verify.stdout) as { ok: boolean; events: number; lastPosition: number; digest: { root: string } };
    expect(v).toMatchObject({ ok: true, lastPosition: backupPosition });
    expect(v.digest.root).toBe(r.digest.root);

    for (const year of YEARS) {
      const y = String(year);
      const fromSource = await ok(['--db', source, 'report', '--year', y, '--json', '--as-of', String(backupPosition)]);
      const fromRestoredReadModel = await ok(['--db', restored, 'report', '--year', y, '--json']);
      const fromRestoredReplay = await ok(['--db', restored, 'report', '--year', y, '--json', '--as-of', String(backupPosition)]);
      expect(fromRestoredReadModel, `${year} (read model of the restored store)`).toBe(fromSource);
      expect(fromRestoredReplay, `${year} (replay of the restored store)`).toBe(fromSource);
    }
    // sources, admins and dead letters came along
    const rejected = JSON.parse(await ok(['--db', restored, 'rejected', '--json'])) as { deadLetters: unknown[] };
    expect(rejected.deadLetters.length).toBeGreaterThan(0);
  });

  it('refuses to overwrite an existing store unless --force', async () => {
    const again = await runCli(['--db', restored, 'restore', backup]);
    expect(again.code).toBe(1);
    expect(again.error).toMatch(/exists: restore into a new --db path, or add --force/);
    const forced = await runCli(['--db', restored, 'restore', backup, '--force', '--json']);
    expect(forced.code, forced.error ?? '').toBe(0);
    expect(head(restored)).toBe(backupPosition);
    const overwrite = await runCli(['--db', source, 'backup', '--out', backup]);
    expect(overwrite.error).toMatch(/exists/);
  });

  it('refuses a tampered backup, and files that are not a dvk store', async () => {
    const tampered = join(tmp.dir, 'tampered.sqlite');
    copyFileSync(backup, tampered);
    const db = new Database(tampered);
    db.prepare(`UPDATE events SET body = replace(body, '"points":', '"points":1') WHERE position = (SELECT min(position) FROM events WHERE body LIKE '%"points":%')`).run();
    db.close();
    const r = await runCli(['--db', join(tmp.dir, 'from-tampered.sqlite'), 'restore', tampered]);
    expect(r.code).toBe(1);
    expect(r.error).toMatch(/hash chain of .* is broken/);
    expect(existsSync(join(tmp.dir, 'from-tampered.sqlite'))).toBe(false);

    const notSqlite = join(tmp.dir, 'not.sqlite');
    writeFileSync(notSqlite, 'this is not a database');
    expect((await runCli(['--db', join(tmp.dir, 'x1.sqlite'), 'restore', notSqlite])).code).toBe(1);
    const otherDb = join(tmp.dir, 'other.sqlite');
    new Database(otherDb).exec('CREATE TABLE t(x)');
    expect((await runCli(['--db', join(tmp.dir, 'x2.sqlite'), 'restore', otherDb])).error).toMatch(/not a dvk store/);
    expect((await runCli(['--db', join(tmp.dir, 'x3.sqlite'), 'restore', join(tmp.dir, 'missing.sqlite')])).error).toMatch(/no such backup/);
  });
});
