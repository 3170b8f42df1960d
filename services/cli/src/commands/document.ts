import { readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import {
  checkReportData,
  logDigestUpTo,
  parseDocumentConfig,
  renderAnnualReport,
  resolveDocumentOptions,
  type AnnualReportData,
  type DocumentConfig,
  type RequiredField,
} from '@dvk/documents';
import { openApp, parseYear, refresh, type App, type GlobalOptions } from '../app.js';

/**
 * `dvk document` (issue 9): the annual report "Báo cáo kết quả đánh giá, xếp loại công tác dân
 * vận năm Y" as a PDF laid out like a Party document. Issuing body, number, place, date, signer
 * and recipients come from options or `--config`; dvk never makes them up.
 */

const FIELD_HELP: Record<RequiredField, string> = {
  issuer: 'cơ quan ban hành (--issuer, ví dụ tên Huyện ủy)',
  number: 'số, ký hiệu văn bản (--number)',
  place: 'địa danh ghi ngày tháng (--place)',
  date: 'ngày ban hành YYYY-MM-DD (--date)',
  signer: 'họ tên người ký (--signer)',
  signerTitle: 'chức vụ người ký (--signer-title, ví dụ BÍ THƯ)',
  recipients: 'nơi nhận (--recipient, lặp lại cho từng nơi)',
};

/** What the document shows, read from the read model and the log. */
export async function annualReportData(app: App, year: number): Promise<AnnualReportData> {
  const row = app.queries.years().find((y) => y.year === year);
  const report = app.queries.report(year);
  if (!row || !report) throw new Error(`no results for ${year} in the log yet (import its events first; see \`dvk report --year ${year}\`)`);
  const digest = await logDigestUpTo(app.store, row.position);
  if (E.isLeft(digest)) throw new Error(digest.left.message);
  const data = checkReportData({ report, rulebook: app.rulebooks.forYear(year), logDigest: digest.right, reportDigest: row.reportDigest, closed: row.closedPosition !== null });
  if (E.isLeft(data)) throw new Error(data.left.message);
  return data.right;
}

interface DocumentCliOptions {
  year: number;
  out: string;
  config?: string;
  parentBody?: string;
  issuer?: string;
  number?: string;
  place?: string;
  date?: string;
  signer?: string;
  signerTitle?: string;
  onBehalfOf?: string;
  recipient?: string[];
  appendix: boolean;
  draft?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerDocument(program: Command): void {
  program
    .command('document')
    .description('The annual report "Báo cáo kết quả đánh giá, xếp loại công tác dân vận năm Y" as a PDF (Party document layout)')
    .requiredOption('--year <year>', 'the year', parseYear)
    .requiredOption('--out <file>', 'the PDF file to write (.pdf)')
    .option('--config <file>', 'JSON file with parentBody, issuer, number, place, date, signer, signerTitle, onBehalfOf, recipients, preamble, appendix')
    .option('--parent-body <text>', 'the superior party body, first header line (e.g. the provincial party committee)')
    .option('--issuer <text>', 'the issuing body')
    .option('--number <text>', 'number and symbol of the document, e.g. 125-BC/HU')
    .option('--place <text>', 'the place of the date line')
    .option('--date <YYYY-MM-DD>', 'the date of the document')
    .option('--signer <name>', "the signer's full name")
    .option('--signer-title <text>', "the signer's title, e.g. BÍ THƯ")
    .option('--on-behalf-of <text>', 'the line above the title (default "T/M BAN THƯỜNG VỤ")')
    .option('--recipient <text>', '"Nơi nhận" entry (repeat for each)', collect)
    .option('--no-appendix', 'leave out the appendix with every unit\'s scores')
    .option('--draft', 'allow missing fields: print "……" in their place and mark the document DỰ THẢO')
    .option('--json', 'print a JSON summary')
    .action(async (o: DocumentCliOptions, c: Command) => {
      if (extname(o.out).toLowerCase() !== '.pdf') throw new Error(`--out must name a .pdf file (got "${o.out}"); only PDF is produced`);
      const layers: DocumentConfig[] = [];
      if (o.config) {
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(o.config, 'utf8'));
        } catch (err) {
          throw new Error(`--config ${o.config}: ${(err as Error).message}`);
        }
        const cfg = parseDocumentConfig(raw, o.config);
        if (E.isLeft(cfg)) throw new Error(cfg.left.message);
        layers.push(cfg.right);
      }
      const fromCli = parseDocumentConfig(
        Object.fromEntries(
          Object.entries({
            parentBody: o.parentBody,
            issuer: o.issuer,
            number: o.number,
            place: o.place,
            date: o.date,
            signer: o.signer,
            signerTitle: o.signerTitle,
            onBehalfOf: o.onBehalfOf,
            recipients: o.recipient,
            appendix: o.appendix === false ? false : undefined,
          }).filter(([, v]) => v !== undefined),
        ),
        'options',
      );
      if (E.isLeft(fromCli)) throw new Error(fromCli.left.message);
      layers.push(fromCli.right);
      const opts = resolveDocumentOptions(layers, { draft: o.draft });
      if (E.isLeft(opts)) {
        const lines = opts.left.missing.map((f) => `  - ${FIELD_HELP[f]}`);
        process.stderr.write(`Thiếu thông tin văn bản; dvk không tự điền các thông tin này:\n${lines.join('\n')}\nHãy cung cấp bằng tùy chọn hoặc --config, hoặc dùng --draft để in bản dự thảo với chỗ trống "……".\n`);
        if (o.json) process.stdout.write(JSON.stringify({ error: 'missing_fields', missing: opts.left.missing }) + '\n');
        process.exitCode = 2;
        return;
      }
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        await refresh(app, { quiet: o.json });
        const data = await annualReportData(app, o.year);
        const pdf = await renderAnnualReport(data, opts.right);
        const out = resolve(o.out);
        writeFileSync(out, pdf);
        const summary = {
          out,
          year: o.year,
          bytes: pdf.length,
          draft: opts.right.draft,
          closed: data.closed,
          logDigest: data.logDigest,
          rulebook: data.rulebook.ref,
          reportDigest: data.reportDigest,
        };
        if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else
          process.stdout.write(
            `Đã tạo báo cáo năm ${o.year}${opts.right.draft ? ' (DỰ THẢO)' : ''}: ${out}\n` +
              `  nhật ký đến vị trí ${data.logDigest.position}, log digest ${data.logDigest.root}\n` +
              `  bộ tiêu chí ${data.rulebook.ref.id} v${data.rulebook.ref.version}, ${data.rulebook.ref.hash}\n` +
              (data.closed ? '' : `  lưu ý: năm ${o.year} chưa khóa sổ, số liệu là tạm thời\n`),
          );
      } finally {
        await app.close();
      }
    });
}
