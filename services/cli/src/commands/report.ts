import type { Command } from 'commander';
import Table from 'cli-table3';
import { canonicalJson, type Kpi, type YearReport } from '@dvk/contracts';
import * as E from 'fp-ts/lib/Either.js';
import { replayState } from '@dvk/projections';
import { buildContext, evaluateYear, yearReport } from '@dvk/scoring';
import { openApp, parseYear, refresh, wholeNumber, type App, type GlobalOptions } from '../app.js';
import { KIND_LABEL, LIST_TITLE, NOT_RATED, TIER_LABEL, TITLE_LABEL, VETO_LABEL, vn } from '../ui.js';

/** Resolves `--as-of`: a log position, or the last position appended at or before a time. */
export async function asOfPosition(app: App, asOf: string): Promise<number> {
  if (/^\d+$/.test(asOf)) {
    const head = await app.store.head();
    if (E.isLeft(head)) throw new Error(head.left.message);
    // A position the log has not reached would silently read as the present: refuse it.
    if (Number(asOf) > head.right.position) throw new Error(`--as-of ${asOf}: the log ends at position ${head.right.position}`);
    return Number(asOf);
  }
  if (Number.isNaN(Date.parse(asOf))) throw new Error(`--as-of ${asOf}: neither a log position nor an ISO-8601 timestamp`);
  const p = await app.store.positionAt(asOf);
  if (E.isLeft(p)) throw new Error(p.left.message);
  return p.right;
}

/** The report of a year as the log stood at a position or time: a replay, nothing read from the read model. */
export async function reportAsOf(app: App, year: number, asOf: string): Promise<string> {
  const upTo = await asOfPosition(app, asOf);
  const s = await replayState(app.store, { upTo });
  if (E.isLeft(s)) throw new Error(s.left.message);
  return canonicalJson(yearReport(evaluateYear(s.right, app.rulebooks.forYear(year), year, buildContext(s.right))));
}

/** The canonical JSON of a year's report, from the read model (or evaluated when the year has no data). */
export function reportJson(app: App, year: number): string {
  const stored = app.queries.reportJson(year);
  if (stored) return stored;
  const state = app.projection.current;
  return canonicalJson(yearReport(evaluateYear(state, app.rulebooks.forYear(year), year, buildContext(state))));
}


export function kpiLine(k: Kpi): { value: string; met: string } {
  const met = k.met === null ? (k.target === '—' ? 'theo dõi' : 'không áp dụng') : k.met ? 'ĐẠT' : 'CHƯA ĐẠT';
  if ('count' in k) return { value: vn(k.count), met };
  return { value: k.percent === null ? '—' : `${vn(k.numerator)}/${vn(k.denominator)} = ${vn(Number(k.percent), 1)}%`, met };
}

/** Table borders without a rule between every row. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** The readable Vietnamese report of a year. */
export function renderReport(r: YearReport, opts: { top?: number } = {}): string {
  const lines: string[] = [];
  lines.push(`BÁO CÁO KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CÔNG TÁC DÂN VẬN NĂM ${r.year}`);
  lines.push(`Bộ tiêu chí: ${r.rulebook.id} phiên bản ${r.rulebook.version} (${r.rulebook.hash.slice(0, 19)}…)`);
  lines.push('');
  lines.push('I. CÁC CHỈ TIÊU SO VỚI KẾ HOẠCH');
  const kt = new Table({ head: ['Mã', 'Chỉ tiêu', 'Kết quả', 'Mục tiêu', 'Đánh giá'], style: { head: [], border: [] }, chars: COMPACT, wordWrap: true, colWidths: [5, 48, 24, 12, 14] });
  for (const [id, k] of Object.entries(r.kpis)) {
    const l = kpiLine(k);
    kt.push([id, k.label, l.value, k.target, l.met]);
  }
  lines.push(kt.toString());
  const lists = [...new Set(r.units.map((u) => u.list))];
  lists.forEach((list, i) => {
    const units = r.units.filter((u) => u.list === list);
    const ranked = units.filter((u) => u.rank !== null);
    const unrated = units.filter((u) => u.rank === null);
    lines.push('');
    lines.push(`${['II', 'III', 'IV', 'V', 'VI'][i] ?? String(i + 2)}. XẾP HẠNG: ${LIST_TITLE[list] ?? list} — ${ranked.length} đơn vị được xếp hạng, ${unrated.length} chưa đánh giá`);
    const t = new Table({ head: ['Hạng', 'Mã đơn vị', 'Tên đơn vị', 'Tổng điểm', 'Xếp loại / danh hiệu', 'Ghi chú'], style: { head: [], border: [] }, chars: COMPACT });
    for (const u of ranked.slice(0, opts.top ?? ranked.length)) {
      // tiêu biểu is a distinction among Dân vận khéo holders: show the higher one only
      const title = u.titles.includes('tieu_bieu') ? TITLE_LABEL.tieu_bieu : u.titles.includes('dan_van_kheo') ? TITLE_LABEL.dan_van_kheo : null;
      const badge = [u.tier ? TIER_LABEL[u.tier] : null, title].filter(Boolean).join(', ');
      t.push([String(u.rank), u.unitId, u.name, vn(u.total, 2), badge || '—', u.vetoes.map((v) => VETO_LABEL[v]).join(', ')]);
    }
    lines.push(t.toString());
    if (opts.top !== undefined && ranked.length > opts.top) lines.push(`  … và ${ranked.length - opts.top} đơn vị khác (bỏ --top để xem đủ)`);
    for (const u of unrated) lines.push(`  ${NOT_RATED}: ${u.unitId} — ${u.name} (${KIND_LABEL[u.kind]}; thiếu ${u.missing.join(', ')})`);
  });
  return lines.join('\n') + '\n';
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("A year's KPIs against the plan's targets and every ranking list with tiers and titles")
    .requiredOption('--year <year>', 'the year', parseYear)
    .option('--json', 'only the report as JSON on stdout (logs go to stderr)')
    .option('--top <n>', 'show only the first n of each ranking (text output)', wholeNumber('--top', 1))
    .option('--as-of <position|timestamp>', 'replay the log as it was: up to a log position, or up to what had been appended at a time (ISO-8601)')
    .action(async (o: { year: number; json?: boolean; top?: number; asOf?: string }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        let json: string;
        if (o.asOf !== undefined) json = await reportAsOf(app, o.year, o.asOf);
        else {
          await refresh(app, { quiet: o.json });
          json = reportJson(app, o.year);
        }
        if (o.json) process.stdout.write(json + '\n');
        else process.stdout.write(renderReport(JSON.parse(json) as YearReport, { top: o.top }));
      } finally {
        await app.close();
      }
    });
}
