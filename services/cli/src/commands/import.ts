import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { catchUp } from '@dvk/projections';
import { importStream, type ImportSummary } from '@dvk/ingestion';
import { openApp, refresh, type App, type GlobalOptions } from '../app.js';
import { Progress, vn } from '../ui.js';

export interface ImportFileOptions {
  asSource?: string | null;
  quiet?: boolean;
  /** Catch the projections up after this many appended events (and at the end). */
  projectEvery?: number;
  authorize?: Parameters<typeof importStream>[2]['authorize'];
}

/** Imports one NDJSON file into the app's store, keeping the projections up to date. */
export async function importFile(app: App, file: string, o: ImportFileOptions = {}): Promise<ImportSummary> {
  const size = statSync(file).size;
  const bar = new Progress(o.quiet ? false : undefined, `Nhập ${basename(file)}`, 'byte');
  bar.start(size);
  app.projection.load();
  const every = o.projectEvery ?? 500_000;
  let sinceProjection = 0;
  let lastAppended = 0;
  const r = await importStream(app.store, createReadStream(file, { highWaterMark: 1 << 20 }), {
    ref: basename(file),
    source: o.asSource ?? null,
    authorize: o.authorize,
    onProgress: (b) => bar.update(b),
    afterChunk: async (s) => {
      sinceProjection += s.appended - lastAppended;
      lastAppended = s.appended;
      if (sinceProjection >= every) {
        sinceProjection = 0;
        const c = await catchUp(app.store, app.projection);
        if (E.isLeft(c)) throw new Error(c.left.message);
      }
    },
  });
  bar.update(size);
  bar.stop();
  if (E.isLeft(r)) throw new Error(r.left.message);
  await refresh(app, { quiet: o.quiet });
  return r.right;
}

export function printSummary(s: ImportSummary, file: string): void {
  const out = process.stdout;
  out.write(`\nĐã nhập ${file}: ${vn(s.lines)} dòng\n`);
  out.write(`  thêm mới (appended):    ${vn(s.appended)}\n`);
  out.write(`  trùng lặp (duplicates): ${vn(s.duplicates)}\n`);
  out.write(`  bị từ chối (rejected):  ${vn(s.rejected)}${s.rejected ? ' — xem `dvk rejected`' : ''}\n`);
  for (const [reason, n] of Object.entries(s.rejectedByReason)) out.write(`    ${n} × ${reason}\n`);
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Append the events of an NDJSON file to the store (idempotent), dead-letter bad lines, update the results')
    .argument('<file>', 'NDJSON file, one event envelope per line')
    .option('--as-source <source>', 'import on behalf of a registered source: its scope is enforced and envelopes must name it')
    .option('--json', 'print only the summary as JSON on stdout')
    .action(async (file: string, o: { asSource?: string; json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const app = openApp(g, undefined, { create: true });
      try {
        const { authorizerForSource } = await import('../sources.js');
        const authorize = o.asSource ? authorizerForSource(app, o.asSource) : undefined;
        const s = await importFile(app, file, { asSource: o.asSource ?? null, quiet: o.json, authorize });
        if (o.json) process.stdout.write(JSON.stringify({ file, ...s }) + '\n');
        else printSummary(s, file);
      } finally {
        await app.close();
      }
    });
}
