import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { exportYear, logDigestUpTo, type ExportFormat } from '@dvk/documents';
import { openApp, parseYear, refresh, type GlobalOptions } from '../app.js';

/**
 * `dvk export` (issue 9): a year's results for spreadsheets — every unit's criteria, total,
 * tier, titles, vetoes and rank, one sheet per rank list, and the KPIs. XLSX is one workbook;
 * CSV is one file per list plus one for the KPIs, named after `--out`.
 */

/** `out/dvk-2019.csv` → `out/dvk-2019.<suffix>`. */
export function exportPath(out: string, suffix: string): string {
  return `${out.replace(/\.(xlsx|csv)$/i, '')}.${suffix}`;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("A year's results as XLSX (one sheet per rank list, the KPIs) or CSV (one file per list, kpis)")
    .requiredOption('--year <year>', 'the year', parseYear)
    .addOption(new Option('--format <format>', 'xlsx or csv').choices(['xlsx', 'csv']).default('xlsx'))
    .option('--out <file>', 'output file (xlsx) or base name (csv: <base>.kpis.csv, <base>.<list>.csv); default dvk-<year>.<format>')
    .option('--json', 'print the written files as JSON')
    .action(async (o: { year: number; format: ExportFormat; out?: string; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        await refresh(app, { quiet: o.json });
        const row = app.queries.years().find((y) => y.year === o.year);
        const report = app.queries.report(o.year);
        if (!row || !report) throw new Error(`no results for ${o.year} in the log yet (see \`dvk report --year ${o.year}\`)`);
        const digest = o.format === 'xlsx' ? await logDigestUpTo(app.store, row.position) : null;
        if (digest && E.isLeft(digest)) throw new Error(digest.left.message);
        const files = await exportYear(report, o.format, {
          rulebook: app.rulebooks.forYear(o.year),
          reportDigest: row.reportDigest,
          logDigest: digest && E.isRight(digest) ? digest.right : undefined,
        });
        const out = resolve(o.out ?? `dvk-${o.year}.${o.format}`);
        const written = files.map((f) => {
          const path = o.format === 'xlsx' ? out : exportPath(out, f.suffix);
          writeFileSync(path, f.body);
          return { part: f.part, path, bytes: f.body.length };
        });
        if (o.json) process.stdout.write(JSON.stringify({ year: o.year, format: o.format, files: written }) + '\n');
        else {
          process.stdout.write(`Đã xuất kết quả năm ${o.year} (${o.format.toUpperCase()}):\n`);
          for (const w of written) process.stdout.write(`  ${w.path}\n`);
        }
      } finally {
        await app.close();
      }
    });
}
