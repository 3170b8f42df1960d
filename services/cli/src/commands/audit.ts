import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { RankingMessage } from '@dvk/contracts';
import { DigestFile, LogDigestBuilder, Verifier, type VerifyReport } from '@dvk/audit';
import { logDigest } from '@dvk/event-store';
import { storedRows } from '@dvk/event-store-sqlite';
import { auditCheck } from '@dvk/projections';
import { openApp, readJsonFile, wholeNumber, type App, type GlobalOptions } from '../app.js';
import { knownRulebooks } from './rulebook.js';
import { Progress } from '../ui.js';

/** Verifies the whole embedded store against itself and, optionally, an earlier digest. */
export function verifyStore(app: App, expected: DigestFile | null, quiet = false): VerifyReport {
  const v = new Verifier(expected);
  const total = (app.store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const bar = new Progress(quiet ? false : undefined, 'Kiểm tra chuỗi băm', 'sự kiện');
  bar.start(total);
  let n = 0;
  for (const row of storedRows(app.store.db)) {
    v.add(row);
    if (++n % 10_000 === 0) bar.update(n);
  }
  bar.update(n);
  bar.stop();
  return v.finish(app.store.streamHeads());
}

/** Reads a digest from a file: an exported digest, or a published ranking message carrying one. */
export function readDigestFile(path: string): DigestFile {
  const raw = readJsonFile(path);
  const asRanking = RankingMessage.safeParse(raw);
  if (asRanking.success) return asRanking.data.logDigest;
  const d = DigestFile.safeParse(raw);
  if (!d.success) throw new Error(`${path} is neither a digest (dvk digest) nor a published ranking: ${d.error.issues[0]?.message}`);
  return d.data;
}

/** The digest of the log at a position (default: the end), with every stream head. */
export async function exportDigest(app: App, at?: number): Promise<DigestFile> {
  const head = await app.store.head();
  if (E.isLeft(head)) throw new Error(head.left.message);
  const upTo = at ?? head.right.position;
  const r = await logDigest(app.store, { upTo });
  if (E.isLeft(r)) throw new Error(r.left.message);
  return { ...r.right.digest, heads: r.right.state.heads };
}

export function registerAudit(program: Command): void {
  program
    .command('verify')
    .description('Recompute every hash of the log and report exactly which stream and event broke (changed, removed, reordered or inserted)')
    .option('--digest <file>', 'also compare with a digest taken earlier (`dvk digest`) or a published ranking')
    .option('--json', 'print the report as JSON')
    .action((o: { digest?: string; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const r = verifyStore(app, o.digest ? readDigestFile(o.digest) : null, o.json);
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          process.stdout.write(
            r.ok
              ? `OK: ${r.events} sự kiện, ${r.streams} luồng; chuỗi băm nguyên vẹn${o.digest ? ', khớp với bản tóm lược' : ''}.\nLog digest: ${r.digest.root} (order ${r.digest.order}) tại vị trí ${r.digest.position}\n`
              : `HỎNG: ${r.breakages.length} chỗ sai trong ${r.events} sự kiện:\n` +
                  r.breakages.map((b) => `  [${b.kind}] ${b.stream}${b.revision !== null ? `@${b.revision}` : ''}${b.position !== null ? ` (vị trí ${b.position})` : ''}${b.eventId ? ` ${b.eventId}` : ''}: ${b.message}`).join('\n') +
                  '\n',
          );
        }
        if (!r.ok) process.exitCode = 2;
      } finally {
        void app.close();
      }
    });

  program
    .command('digest')
    .description('Export the log digest (Merkle root over stream heads, order hash) at a position, with every stream head')
    .option('--at <position>', 'log position (default: the end of the log)', wholeNumber('--at', 0))
    .option('--out <file>', 'write it to a file (default: stdout)')
    .action(async (o: { at?: number; out?: string }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const d = await exportDigest(app, o.at);
        const json = JSON.stringify(d, null, 1) + '\n';
        if (o.out) {
          writeFileSync(o.out, json);
          process.stderr.write(`digest at position ${d.position} (${d.events} events, ${d.streams} streams) written to ${o.out}\n`);
        } else process.stdout.write(json);
      } finally {
        await app.close();
      }
    });

  const audit = program.command('audit').description('Check published results against the log');
  audit
    .command('check')
    .description('Replay the log up to a published ranking\'s position under its rulebook and confirm byte-identical content and digests, or show the difference')
    .argument('<ranking.json>', 'a published ranking message (from Kafka dvk.rankings, the API or `dvk rankings show`)')
    .option('--rulebook <file...>', 'rulebook files to look the ranking\'s rulebook hash up in (besides the built-in ones)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { rulebook?: string[]; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const parsed = RankingMessage.safeParse(readJsonFile(file));
        if (!parsed.success) throw new Error(`${file} is not a ranking message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        const r = await auditCheck(app.store, parsed.data, knownRulebooks(app, o.rulebook ?? []));
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          process.stdout.write(`${r.ok ? 'OK' : 'KHÔNG KHỚP'}: bảng xếp hạng ${r.list} năm ${r.year}, phiên bản ${r.version}, vị trí ${r.position}\n`);
          for (const ch of r.checks) process.stdout.write(`  ${ch.ok ? '✓' : '✗'} ${ch.name}: ${ch.detail}\n`);
          for (const d of r.differences) process.stdout.write(`    ${d}\n`);
        }
        if (!r.ok) process.exitCode = 2;
      } finally {
        await app.close();
      }
    });
}

export { LogDigestBuilder };
