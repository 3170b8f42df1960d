import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import type { YearReport } from '@dvk/contracts';
import { dbPath, makeLogger, openApp, refresh, wholeNumber, type App, type GlobalOptions } from '../app.js';
import { serve } from '../serve.js';
import { importFile, printSummary } from './import.js';
import { writeSample } from './generate.js';
import { renderReport, reportJson } from './report.js';

export const SAMPLE_SEED = 2016;

/** Fills an empty store with the sample district (generated once, then imported). */
export async function ensureSample(app: App, quiet = false): Promise<boolean> {
  const head = await app.store.head();
  if (E.isLeft(head)) throw new Error(head.left.message);
  if (head.right.events > 0) return false;
  const file = join(dirname(app.store.path), 'sample-district.ndjson');
  if (!existsSync(file)) {
    if (!quiet) process.stderr.write(`Kho dữ liệu trống: tạo dữ liệu mẫu của huyện (seed ${SAMPLE_SEED}) → ${file}\n`);
    await writeSample(file, { seed: SAMPLE_SEED });
  }
  const s = await importFile(app, file, { quiet });
  if (!quiet) printSummary(s, file);
  return true;
}

export function latestYear(app: App): number | null {
  const ys = app.queries.years();
  return ys.length ? ys[ys.length - 1]!.year : null;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('The main job: open the embedded store (filling it with the sample district when empty), bring the results up to date, print the latest year')
    .option('--top <n>', 'entries per ranking list to print', wholeNumber('--top', 1), 10)
    .option('--no-serve', 'print and exit, without serving the dashboard and the ingest API')
    .option('--port <port>', 'HTTP port of the dashboard, API and ingest (env DVK_PORT, default 8080)', wholeNumber('--port', 0, 65535))
    .action(async (o: { top: number; serve: boolean; port?: number }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const log = makeLogger(g);
      const app = openApp(g, log, { create: true });
      let served = false;
      try {
        process.stderr.write(`Kho dữ liệu: ${dbPath(g)}\n`);
        await ensureSample(app);
        await refresh(app);
        const year = latestYear(app);
        if (year === null) process.stdout.write('Chưa có năm nào có dữ liệu.\n');
        else process.stdout.write('\n' + renderReport(JSON.parse(reportJson(app, year)) as YearReport, { top: o.top }));
        if (!o.serve) return;
        const s = await serve(app, log, { port: o.port });
        served = true;
        process.stdout.write(
          `\nBảng điều khiển (dashboard): ${s.url}/\n` +
            `API: ${s.url}/v1/years · OpenAPI: ${s.url}/openapi.json · nhận sự kiện: POST ${s.url}/v1/events\n` +
            `Kiểm tra: ${s.url}/healthz ${s.url}/readyz ${s.url}/metrics\n` +
            'Nhấn Ctrl-C để dừng.\n',
        );
      } finally {
        if (!served) await app.close();
      }
    });
}
