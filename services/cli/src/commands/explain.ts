import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { explainUnitYear, type EventRef, type ExplainedUnitYear } from '@dvk/projections';
import { buildContext, rollStatus } from '@dvk/scoring';
import { openApp, parseYear, refresh, type GlobalOptions } from '../app.js';
import { msg } from '@dvk/contracts';
import { renderer } from '@dvk/messages';
import { KIND_LABEL, NOT_RATED, TIER_LABEL, TITLE_LABEL, VETO_LABEL, vn } from '../ui.js';

const t = renderer('vi');

const short = (e: EventRef | undefined): string => {
  if (!e) return '(event not found)';
  const d = { ...e.data };
  delete d.unitId;
  return `${e.type} ${e.eventId} ${JSON.stringify(d)}`;
};

export function renderExplanation(x: ExplainedUnitYear): string {
  const s = x.scorecard;
  const ev = (p: number) => `      #${p} ${short(x.events[p])}`;
  const out: string[] = [];
  out.push(`${s.name} (${s.unitId}) — ${KIND_LABEL[s.kind] ?? s.kind} — năm ${s.year}`);
  out.push(`Bộ tiêu chí ${s.rulebook.id} v${s.rulebook.version} (${s.rulebook.hash})`);
  out.push('');
  for (const c of s.criteria) {
    out.push(`${c.id} ${c.name.vi}: ${c.points === null ? 'THIẾU (chưa chấm)' : vn(c.points)} / ${vn(c.max)}`);
    out.push(`    quy tắc: ${t.render(c.rule)}`);
    out.push(`    tính:    ${t.render(c.computation)}`);
    for (const n of c.used) out.push(`    ✓ ${t.render(n.note)}`, ev(n.position));
    for (const n of c.ignored) out.push(`    ✗ ${t.render(n.note)}`, ev(n.position));
  }
  out.push(`Điểm thưởng: ${vn(s.bonus.points)} — ${t.render(s.bonus.rule)}`);
  for (const n of s.bonus.used) out.push(`    ✓ ${t.render(n.note)}`, ev(n.position));
  for (const n of s.bonus.ignored) out.push(`    ✗ ${t.render(n.note)}`, ev(n.position));
  out.push(`Tổng điểm: ${vn(s.total)} — ${t.render(s.totalComputation)}`);
  if (s.vetoes.length === 0) out.push('Yếu tố khống chế xếp loại: không');
  for (const v of s.vetoes) {
    out.push(`Yếu tố khống chế: ${VETO_LABEL[v.id as 'hotspot'] ?? v.id} — ${t.render(v.rule)}`);
    for (const n of v.events) out.push(`    ! ${t.render(n.note)}`, ev(n.position));
  }
  out.push(`Xếp loại: ${s.tier ? TIER_LABEL[s.tier as 'good'] : s.complete ? '—' : NOT_RATED} — ${t.render(s.tierComputation)}`);
  out.push(`Xếp hạng (${s.list}): ${s.rank ?? '—'} — ${t.render(s.rankComputation)}`);
  out.push(`Danh hiệu: ${s.titles.length ? s.titles.map((x) => TITLE_LABEL[x as 'tieu_bieu']).join(', ') : 'không'}`);
  for (const r of s.titleComputations) out.push(`    ${t.render(r)}`);
  if (x.rejected.length) {
    out.push('', 'Sự kiện không được tính (kèm lý do):');
    for (const r of x.rejected) out.push(`    #${r.position} ${r.type} ${r.eventId ?? ''}: ${t.render(r.reason)}`);
  }
  return out.join('\n') + '\n';
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('Every figure of a unit-year with its rule and the events behind it (also those superseded or rejected, and why)')
    .requiredOption('--unit <id>', 'unit id')
    .requiredOption('--year <year>', 'the year', parseYear)
    .option('--json', 'print JSON')
    .action(async (o: { unit: string; year: number; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        await refresh(app, { quiet: o.json });
        const r = await explainUnitYear(app.queries, app.store, o.unit, o.year);
        if (E.isLeft(r)) throw new Error(r.left.message);
        if (!r.right) {
          const state = app.projection.current;
          const status = rollStatus(buildContext(state), o.unit, o.year);
          const kind = buildContext(state).reg.get(o.unit)?.kind;
          const reason = status.onRoll && kind ? msg('roll.not_scored', { kind }) : status.reason;
          if (o.json) process.stdout.write(JSON.stringify({ unitId: o.unit, year: o.year, scorecard: null, reason: t.withText(reason) }) + '\n');
          else process.stdout.write(`${o.unit}, ${o.year}: ${t.render(reason)}\n`);
          process.exitCode = status.onRoll ? 0 : 1;
          return;
        }
        process.stdout.write(o.json ? JSON.stringify(t.withText(r.right)) + '\n' : renderExplanation(r.right));
      } finally {
        await app.close();
      }
    });
}
