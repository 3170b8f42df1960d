import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { Verifier, type VerifyReport } from '@dvk/audit';
import { STORE_FORMAT, storedRows } from '@dvk/event-store-sqlite';
import { dbPath, makeLogger, openApp, refresh, type GlobalOptions } from '../app.js';

/**
 * `dvk backup --out FILE` and `dvk restore FILE` (docs/reliability.md, "Backup and restore").
 *
 * Backup uses SQLite's online backup API (better-sqlite3's `db.backup`) from a connection of its
 * own, so it is safe while the services or an import write: the copy is taken in ONE backup step,
 * a single read transaction, hence a consistent snapshot of the log, the read model, the sources
 * and admins (hashed tokens) and the dead letters at one instant — writers are not blocked (WAL),
 * and the copy never restarts because someone wrote meanwhile. The copy is written beside the
 * target, switched to a self-contained rollback-journal file, checked (integrity, store format,
 * every hash of the chain) and only then renamed into place.
 *
 * Restore checks the backup the same way, copies it to the `--db` path (refusing to overwrite an
 * existing store without `--force`), verifies the restored file's hash chain and brings its read
 * model up to date. Stop the services that use the target first.
 */

export interface FileCheck {
  file: string;
  bytes: number;
  position: number;
  events: number;
  streams: number;
  deadLetters: number;
  verify: VerifyReport;
}

/** Integrity, store format and the whole hash chain of a store file (opened read-only). */
export function checkStoreFile(file: string): FileCheck {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('quick_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`${file}: SQLite integrity check failed: ${String(integrity)}`);
    const hasEvents = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    if (!hasEvents) throw new Error(`${file}: not a dvk store (no events table)`);
    const format = db.prepare("SELECT value FROM dvk_meta WHERE key = 'format'").pluck().get() as string | undefined;
    if (format !== STORE_FORMAT) throw new Error(`${file}: event store format ${format ?? '?'} is not this release's (${STORE_FORMAT})`);
    const v = new Verifier(null);
    for (const row of storedRows(db)) v.add(row);
    const heads = (db.prepare('SELECT stream, revision, chain_hash FROM streams WHERE revision >= 0 ORDER BY stream').all() as { stream: string; revision: number; chain_hash: Buffer }[]).map((r) => ({
      stream: r.stream,
      revision: r.revision,
      chainHash: r.chain_hash.toString('hex'),
    }));
    const verify = v.finish(heads);
    const deadLetters = (db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'dead_letters'").pluck().get() as number)
      ? (db.prepare('SELECT count(*) FROM dead_letters').pluck().get() as number)
      : 0;
    return { file, bytes: statSync(file).size, position: verify.lastPosition, events: verify.events, streams: verify.streams, deadLetters, verify };
  } finally {
    db.close();
  }
}

/** Copies a SQLite file with the online backup API, in one step (a consistent snapshot), into a self-contained file. */
export async function onlineCopy(from: Database.Database, to: string): Promise<void> {
  rmSync(to, { force: true });
  // The first step only sets up; returning the largest count makes the next step copy every page
  // at once, inside one read transaction of the source.
  await from.backup(to, { progress: () => 0x7fffffff });
  const out = new Database(to);
  try {
    out.pragma('journal_mode = DELETE'); // one file, no -wal/-shm beside it
  } finally {
    out.close();
  }
}

const describe = (c: FileCheck) =>
  `${c.events} sự kiện (vị trí ${c.position}), ${c.streams} luồng, ${c.deadLetters} thư chết, ${(c.bytes / 1048576).toFixed(1)} MiB; log digest ${c.verify.digest.root}`;

function failIfBroken(c: FileCheck, what: string): void {
  if (c.verify.ok) return;
  const first = c.verify.breakages.slice(0, 5).map((b) => `  [${b.kind}] ${b.stream}${b.revision !== null ? `@${b.revision}` : ''}: ${b.message}`);
  throw new Error(`${what}: the hash chain of ${c.file} is broken (${c.verify.breakages.length} breakages):\n${first.join('\n')}`);
}

const summary = (c: FileCheck) => ({ file: c.file, bytes: c.bytes, position: c.position, events: c.events, streams: c.streams, deadLetters: c.deadLetters, digest: c.verify.digest });

export async function backupStore(source: string, out: string, o: { force?: boolean } = {}): Promise<FileCheck> {
  const target = resolve(out);
  if (target === resolve(source)) throw new Error('--out must not be the store itself');
  if (existsSync(target) && !o.force) throw new Error(`${target} exists: choose another --out, or add --force to overwrite it`);
  if (!existsSync(dirname(target))) throw new Error(`the directory of ${target} does not exist`);
  const db = new Database(source, { fileMustExist: true });
  const partial = `${target}.partial-${process.pid}`;
  try {
    db.pragma('busy_timeout = 10000');
    await onlineCopy(db, partial);
    const check = checkStoreFile(partial);
    failIfBroken(check, 'dvk backup');
    renameSync(partial, target);
    return { ...check, file: target };
  } finally {
    db.close();
    rmSync(partial, { force: true });
  }
}

export async function restoreStore(backup: string, target: string, o: { force?: boolean } = {}): Promise<FileCheck> {
  const from = resolve(backup);
  const to = resolve(target);
  if (from === to) throw new Error('the backup and the --db target are the same file');
  if (!existsSync(from)) throw new Error(`${from}: no such backup file`);
  const before = checkStoreFile(from);
  failIfBroken(before, 'dvk restore');
  const present = [to, `${to}-wal`, `${to}-shm`].filter((f) => existsSync(f));
  if (present.length && !o.force) throw new Error(`${to} exists: restore into a new --db path, or add --force to replace it (stop the services using it first)`);
  const partial = `${to}.restoring-${process.pid}`;
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await onlineCopy(db, partial);
  } finally {
    db.close();
  }
  for (const f of present) rmSync(f, { force: true });
  renameSync(partial, to);
  const after = checkStoreFile(to);
  failIfBroken(after, 'dvk restore');
  if (after.verify.digest.root !== before.verify.digest.root || after.position !== before.position)
    throw new Error(`dvk restore: the restored store's digest ${after.verify.digest.root} differs from the backup's ${before.verify.digest.root}`);
  return after;
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Copy the embedded store to a file with SQLite\'s online backup (safe while services write), then check the copy\'s hash chain')
    .requiredOption('--out <file>', 'the backup file to write')
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print the result as JSON')
    .action(async (o: { out: string; force?: boolean; json?: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const source = dbPath(g);
      if (!existsSync(source)) throw new Error(`${source}: no store to back up`);
      const log = makeLogger(g);
      const t0 = performance.now();
      const r = await backupStore(source, o.out, { force: o.force });
      const ms = Math.round(performance.now() - t0);
      log.info({ source, out: r.file, position: r.position, events: r.events, ms }, 'backup written and verified');
      if (o.json) process.stdout.write(JSON.stringify({ ...summary(r), source, ms }) + '\n');
      else process.stdout.write(`Đã sao lưu ${source} → ${r.file} (${ms} ms)\nKiểm tra bản sao lưu: chuỗi băm nguyên vẹn; ${describe(r)}\n`);
    });

  program
    .command('restore')
    .description('Restore a backup into the --db path (a new file unless --force), verify its hash chain and bring its read model up to date')
    .argument('<backup>', 'a file written by dvk backup')
    .option('--force', 'replace an existing store at the --db path (stop the services using it first)')
    .option('--json', 'print the result as JSON')
    .action(async (backup: string, o: { force?: boolean; json?: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const target = dbPath(g);
      const r = await restoreStore(backup, target, { force: o.force });
      const app = openApp(g);
      try {
        await refresh(app, { quiet: o.json });
        app.log.info({ backup, target, position: r.position, events: r.events }, 'store restored and verified');
      } finally {
        await app.close();
      }
      if (o.json) process.stdout.write(JSON.stringify({ ...summary(r), backup: resolve(backup) }) + '\n');
      else process.stdout.write(`Đã khôi phục ${resolve(backup)} → ${target}\nKiểm tra: chuỗi băm nguyên vẹn; ${describe(r)}\nKiểm tra lại bất cứ lúc nào: dvk --db ${target} verify\n`);
    });
}
