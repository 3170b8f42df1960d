import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { UNIT_KINDS, type UnitKind, type YearReport } from '@dvk/contracts';
import {
  KIND_LABEL,
  assessedCriteria,
  buildTemplate,
  formatAddress,
  importSheet,
  rollFromReport,
  type SheetImportSummary,
  type SheetProblem,
  type SheetRejected,
} from '@dvk/documents';
import { openApp, parseYear, refresh, type App, type GlobalOptions } from '../app.js';
import { vn } from '../ui.js';
import { reportJson } from './report.js';

/**
 * `dvk sheet template` and `dvk sheet import` (issue 9): the XLSX scoresheets commune offices
 * fill in, and their import as `CriterionAssessed` events — all or nothing unless `--partial`.
 */

/** The units of a year from the read model's report (evaluated when the year has no stored results). */
export function yearReportOf(app: App, year: number): YearReport {
  return JSON.parse(reportJson(app, year)) as YearReport;
}

export function printProblems(problems: readonly SheetProblem[], out: NodeJS.WritableStream = process.stdout): void {
  for (const p of problems) {
    const at = [p.unitId, p.criterionId].filter(Boolean).join(', ');
    out.write(`  ${formatAddress(p)}  [${p.code}] ${p.reason}${at ? ` (${at})` : ''}\n`);
  }
}

function printSummary(s: SheetImportSummary, file: string): void {
  const o = process.stdout;
  o.write(`\n${s.dryRun ? 'Kiểm tra (không ghi)' : 'Đã nhập'} phiếu chấm điểm ${file}\n`);
  o.write(`  năm ${s.year}, bộ tiêu chí ${s.rulebook.id} phiên bản ${s.rulebook.version}, người chấm ${s.assessorId} (${s.role === 'official' ? 'chính thức' : 'tự chấm'})\n`);
  o.write(`  ô đã nhập điểm:         ${vn(s.filled)}\n`);
  o.write(`  thêm mới (appended):    ${vn(s.appended)}\n`);
  o.write(`  trùng lặp (duplicates): ${vn(s.duplicates)}\n`);
  o.write(`  không đổi (unchanged):  ${vn(s.unchanged)}\n`);
  o.write(`  để trống (blank):       ${vn(s.blank)}\n`);
  o.write(`  ô lỗi (problems):       ${vn(s.problems.length)}${s.deadLettered ? ` — lưu ${vn(s.deadLettered)} thư chết, kênh sheet` : ''}\n`);
  printProblems(s.problems);
}

function printRejected(err: SheetRejected, file: string): void {
  const o = process.stdout;
  o.write(`Tệp ${file} bị từ chối, không ghi sự kiện nào (${vn(err.problems.length)} lỗi`);
  o.write(err.validCells ? `; ${vn(err.validCells)} ô hợp lệ chưa được ghi — sửa các ô lỗi, hoặc dùng --partial để chỉ nhập ô hợp lệ):\n` : '):\n');
  printProblems(err.problems);
}

export function registerSheet(program: Command): void {
  const cmd = program.command('sheet').description('XLSX scoresheets: templates for commune offices, and the import of returned files');

  cmd
    .command('template')
    .description('Write an XLSX scoresheet: one row per unit on the roll of the year, one column per assessed criterion of its kind')
    .requiredOption('--year <year>', 'the year to be assessed', parseYear)
    .addOption(new Option('--kind <kind>', 'only units of this kind (default: every kind with assessed criteria)').choices(UNIT_KINDS.filter((k) => k !== 'village')))
    .requiredOption('--out <file>', 'the XLSX file to write')
    .option('--json', 'print a JSON summary')
    .action(async (o: { year: number; kind?: UnitKind; out: string; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        await refresh(app, { quiet: o.json });
        const rb = app.rulebooks.forYear(o.year);
        const report = yearReportOf(app, o.year);
        const roll = report.units.map((u) => ({ unitId: u.unitId, kind: u.kind, name: u.name }));
        const t = await buildTemplate({ year: o.year, kind: o.kind, roll, rulebook: rb });
        if (E.isLeft(t)) throw new Error(t.left.message);
        const out = resolve(o.out);
        writeFileSync(out, t.right);
        const kinds = UNIT_KINDS.filter((k) => (!o.kind || k === o.kind) && assessedCriteria(rb, k).length > 0 && roll.some((u) => u.kind === k));
        const sheets = kinds.map((k) => ({ kind: k, units: roll.filter((u) => u.kind === k).length, criteria: assessedCriteria(rb, k).map((x) => x.id) }));
        const cells = sheets.reduce((n, s) => n + s.units * s.criteria.length, 0);
        if (o.json) process.stdout.write(JSON.stringify({ out, year: o.year, rulebook: rb.ref, sheets, cells, bytes: t.right.length }) + '\n');
        else {
          process.stdout.write(`Đã tạo mẫu phiếu chấm điểm năm ${o.year}: ${out}\n`);
          for (const s of sheets) process.stdout.write(`  ${KIND_LABEL[s.kind]}: ${vn(s.units)} đơn vị × ${s.criteria.join(', ')}\n`);
          process.stdout.write(`  ${vn(cells)} ô cần nhập; bộ tiêu chí ${rb.ref.id} phiên bản ${rb.ref.version}\n`);
        }
      } finally {
        await app.close();
      }
    });

  cmd
    .command('import')
    .description('Turn every filled cell of a returned scoresheet into a CriterionAssessed event (idempotent); nothing is appended unless the whole file is valid')
    .argument('<file>', 'the filled XLSX scoresheet')
    .requiredOption('--assessor <id>', 'who assessed (assessorId of the events)')
    .addOption(new Option('--role <role>', 'official scores count; self-assessments are kept and shown').choices(['official', 'self']).makeOptionMandatory())
    .option('--partial', 'append the valid cells and keep the bad ones as dead letters (channel sheet)')
    .option('--dry-run', 'check the file and report, append nothing')
    .option('--year <year>', 'refuse a template of another year', parseYear)
    .option('--source <name>', 'the source named on the events', 'dvk-sheet')
    .option('--as-source <source>', 'import on behalf of a registered source: its scope is enforced and the events name it')
    .option('--json', 'print the summary (or the problems) as JSON')
    .action(
      async (
        file: string,
        o: { assessor: string; role: 'official' | 'self'; partial?: boolean; dryRun?: boolean; year?: number; source: string; asSource?: string; json?: boolean },
        c: Command,
      ) => {
        const app = openApp(c.optsWithGlobals<GlobalOptions>());
        try {
          await refresh(app, { quiet: true });
          const { authorizerForSource } = await import('../sources.js');
          const authorize = o.asSource ? authorizerForSource(app, o.asSource) : undefined;
          const reports = new Map<number, ReturnType<typeof rollFromReport>>();
          const r = await importSheet(app.store, readFileSync(file), {
            assessorId: o.assessor,
            role: o.role,
            source: o.asSource ?? o.source,
            rulebookFor: (y) => app.rulebooks.forYear(y),
            roll: (y) => {
              if (!reports.has(y)) reports.set(y, rollFromReport(yearReportOf(app, y)));
              return reports.get(y)!;
            },
            year: o.year,
            authorize,
            ref: basename(file),
            partial: o.partial,
            dryRun: o.dryRun,
          });
          if (E.isLeft(r)) {
            if (r.left._tag !== 'SheetRejected') throw new Error(r.left.message);
            process.exitCode = 1;
            if (o.json) process.stdout.write(JSON.stringify({ file, rejected: true, validCells: r.left.validCells, problems: r.left.problems }) + '\n');
            else printRejected(r.left, file);
            return;
          }
          if (r.right.appended > 0) await refresh(app, { quiet: o.json });
          if (o.json) process.stdout.write(JSON.stringify({ file, rejected: false, ...r.right }) + '\n');
          else printSummary(r.right, file);
        } finally {
          await app.close();
        }
      },
    );
}
