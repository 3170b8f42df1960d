import { renderer } from '@dvk/messages';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { installRulebook, rebuild, replayState, rulebookHistory } from '@dvk/projections';
import { buildContext, evaluateYear, loadRulebook, type RankedCard, type Rulebook, type ScoringState } from '@dvk/scoring';
import { openApp, parseYear, readJsonFile, refresh, type App, type GlobalOptions } from '../app.js';
import { Progress, TIER_LABEL, TITLE_LABEL } from '../ui.js';
import { ADMIN_TOKEN_OPTION, adminTokenOf, requireAdmin } from './admin.js';

/** Loads a rulebook file, or throws with every problem named. */
export function rulebookFromFile(path: string): Rulebook {
  const r = loadRulebook(readJsonFile(path));
  if (E.isLeft(r)) throw new Error(`${path}: invalid rulebook: ${r.left.message}`);
  return r.right;
}

/** The rulebooks in force plus any given as files. */
export function knownRulebooks(app: App, files: string[]): Rulebook[] {
  return [...app.rulebooks.rulebooks, ...files.map(rulebookFromFile)];
}

export interface UnitChange {
  unitId: string;
  name: string;
  list: string;
  before: { total: number | null; tier: string | null; titles: string[]; rank: number | null };
  after: { total: number | null; tier: string | null; titles: string[]; rank: number | null };
  reasons: string[];
}

/** Every rule that differs between two rulebooks, as `path: old → new` (names and titles aside). */
export function ruleChanges(a: Rulebook, b: Rulebook): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      x.forEach((v, i) => walk(v, y[i], `${path}[${i}]`));
    } else out.push(`${path}: ${JSON.stringify(x) ?? '—'} → ${JSON.stringify(y) ?? '—'}`);
  };
  const { id: _a, version: _av, title: _at, ...fa } = a.file;
  const { id: _b, version: _bv, title: _bt, ...fb } = b.file;
  walk(fa, fb, '');
  return out;
}

/** Applies two rulebooks to the same state and lists the units whose tier, title or rank change, and why. */
export function diffRules(state: ScoringState, year: number, a: Rulebook, b: Rulebook): UnitChange[] {
  const changed = ruleChanges(a, b);
  const rulesAbout = (prefix: string) => changed.filter((c) => c.startsWith(prefix));
  const ctx = buildContext(state);
  const ea = evaluateYear(state, a, year, ctx);
  const eb = evaluateYear(state, b, year, ctx);
  const ids = [...new Set([...ea.byUnit.keys(), ...eb.byUnit.keys()])].sort();
  const view = (c: RankedCard | undefined) => ({ total: c ? c.totalH / 100 : null, tier: c?.tier ?? null, titles: c?.titles ?? [], rank: c?.rank ?? null });
  const out: UnitChange[] = [];
  for (const id of ids) {
    const x = ea.byUnit.get(id);
    const y = eb.byUnit.get(id);
    const before = view(x);
    const after = view(y);
    if (before.tier === after.tier && before.rank === after.rank && before.titles.join() === after.titles.join()) continue;
    const reasons: string[] = [];
    if (x && y) {
      for (const cy of y.criteria) {
        const cx = x.criteria.find((k) => k.id === cy.id);
        if (!cx) reasons.push(`criterion ${cy.id} is new: ${cy.pointsH === null ? 'missing' : cy.pointsH / 100}`);
        else if (cx.pointsH !== cy.pointsH || cx.maxH !== cy.maxH)
          reasons.push(`${cy.id}: ${cx.pointsH === null ? '—' : cx.pointsH / 100}/${cx.maxH / 100} → ${cy.pointsH === null ? '—' : cy.pointsH / 100}/${cy.maxH / 100}`);
      }
      if (x.totalH !== y.totalH) reasons.push(`total ${x.totalH / 100} → ${y.totalH / 100}`);
      if (x.tier !== y.tier) reasons.push(`tier: ${renderer('vi').render(y.tierRule)}`, ...rulesAbout('groups').filter((r) => r.includes('tiers')).map((r) => `rule changed: ${r}`));
      if (x.titles.join() !== y.titles.join()) reasons.push(...y.titleRules.map((r) => `title: ${renderer('vi').render(r)}`), ...rulesAbout('titles').map((r) => `rule changed: ${r}`));
      if (x.rank !== y.rank) reasons.push(`rank ${x.rank ?? '—'} → ${y.rank ?? '—'}: ${renderer('vi').render(y.rankRule)}`);
    } else reasons.push(x ? 'not scored under the new rulebook' : 'scored only under the new rulebook');
    const c = (y ?? x)!;
    out.push({ unitId: id, name: c.name, list: c.list.id, before, after, reasons });
  }
  return out;
}

const badge = (v: UnitChange['before']) =>
  [v.tier ? TIER_LABEL[v.tier] : null, ...v.titles.map((t) => TITLE_LABEL[t]), v.rank !== null ? `hạng ${v.rank}` : 'không xếp hạng'].filter(Boolean).join(', ');

export function registerRulebook(program: Command): void {
  const rb = program.command('rulebook').description('Rulebooks are files: validate one, show the one in force');
  rb.command('validate')
    .description('Validate a rulebook file (schema and consistency) and print its canonical hash')
    .argument('<file>')
    .action((file: string) => {
      const r = rulebookFromFile(file);
      process.stdout.write(`OK: ${r.ref.id} v${r.ref.version}, áp dụng từ năm ${r.file.appliesFromYear}, hash ${r.ref.hash}\n`);
    });
  rb.command('show')
    .description('Print the rulebooks in force (or a file) as JSON, with their hashes')
    .option('--file <file>', 'show this file instead')
    .action((o: { file?: string }, c: Command) => {
      if (o.file) {
        const r = rulebookFromFile(o.file);
        process.stdout.write(JSON.stringify({ ref: r.ref, rulebook: r.file }, null, 2) + '\n');
        return;
      }
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        process.stdout.write(JSON.stringify(app.rulebooks.rulebooks.map((r) => ({ ref: r.ref, appliesFromYear: r.file.appliesFromYear, rulebook: r.file })), null, 2) + '\n');
      } finally {
        void app.close();
      }
    });

  rb.command('use')
    .description('Put a rulebook in force from its appliesFromYear (admin); the read model is rebuilt under the new set')
    .argument('<file>')
    .option(...ADMIN_TOKEN_OPTION)
    .action(async (file: string, o: { adminToken?: string }, c: Command) => {
      const r = rulebookFromFile(file);
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const admin = requireAdmin(app, adminTokenOf(o), 'dvk rulebook use');
        const set = installRulebook(app.store.db, r);
        admin.done({ rulebook: r.ref.id, version: r.ref.version, hash: r.ref.hash, appliesFromYear: r.file.appliesFromYear });
        process.stdout.write(`Đã áp dụng ${r.ref.id} v${r.ref.version} từ năm ${r.file.appliesFromYear} (${r.ref.hash}).\nBộ tiêu chí đang áp dụng: ${set.rulebooks.map((x) => `${x.ref.id} v${x.ref.version} từ ${x.file.appliesFromYear}`).join('; ')}\n`);
        const fresh = openApp(c.optsWithGlobals<GlobalOptions>());
        try {
          await refresh(fresh);
        } finally {
          await fresh.close();
        }
      } finally {
        await app.close();
      }
    });
  rb.command('history')
    .description('Every rulebook installation, with when it was replaced')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const h = rulebookHistory(app.store.db);
        if (o.json) process.stdout.write(JSON.stringify(h) + '\n');
        else if (h.length === 0) process.stdout.write(`Chưa cài bộ tiêu chí nào: áp dụng mặc định ${app.rulebooks.rulebooks.map((r) => `${r.ref.id} v${r.ref.version}`).join(', ')}.\n`);
        else for (const x of h) process.stdout.write(`#${x.seq} ${x.ref.id} v${x.ref.version} từ ${x.appliesFrom} · cài ${x.installedAt}${x.replacedAt ? ` · thay thế ${x.replacedAt}` : ' · đang áp dụng'} · ${x.ref.hash}\n`);
      } finally {
        void app.close();
      }
    });

  program
    .command('rebuild')
    .description('Rebuild the whole read model from the log, from zero, in one transaction (admin)')
    .option(...ADMIN_TOKEN_OPTION)
    .action(async (o: { adminToken?: string }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const admin = requireAdmin(app, adminTokenOf(o), 'dvk rebuild');
        const bar = new Progress(undefined, 'Dựng lại kết quả', 'sự kiện');
        const head = await app.store.head();
        if (E.isLeft(head)) throw new Error(head.left.message);
        bar.start(head.right.position);
        const r = await rebuild(app.store, app.projection, { onProgress: (p) => bar.update(p.position) });
        bar.stop();
        if (E.isLeft(r)) throw new Error(r.left.message);
        admin.done({ position: r.right.position });
        process.stdout.write(`Đã dựng lại kết quả từ ${r.right.position} sự kiện: ${r.right.years.length} năm, ${r.right.units} đơn vị, ${(r.right.durationMs / 1000).toFixed(1)} s ghi.\n`);
      } finally {
        await app.close();
      }
    });

  program
    .command('diff-rules')
    .description('Apply another rulebook to the same history and list the units whose tier, title or rank change, and why')
    .requiredOption('--year <year>', 'the year', parseYear)
    .requiredOption('--rulebook <file>', 'the other rulebook')
    .option('--json', 'print JSON')
    .action(async (o: { year: number; rulebook: string; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const other = rulebookFromFile(o.rulebook);
        await refresh(app, { quiet: o.json });
        const s = await replayState(app.store);
        if (E.isLeft(s)) throw new Error(s.left.message);
        const current = app.rulebooks.forYear(o.year);
        const changes = diffRules(s.right, o.year, current, other);
        const rules = ruleChanges(current, other);
        if (o.json) {
          process.stdout.write(JSON.stringify({ year: o.year, from: current.ref, to: other.ref, ruleChanges: rules, changes }) + '\n');
          return;
        }
        process.stdout.write(`Năm ${o.year}: ${current.ref.id} v${current.ref.version} → ${other.ref.id} v${other.ref.version}\nQuy tắc thay đổi:\n${rules.map((r) => `  · ${r}`).join('\n') || '  (không)'}\n${changes.length} đơn vị thay đổi xếp loại, danh hiệu hoặc thứ hạng:\n`);
        for (const ch of changes) {
          process.stdout.write(`\n${ch.unitId} — ${ch.name} (${ch.list})\n  trước: ${badge(ch.before)}\n  sau:   ${badge(ch.after)}\n`);
          for (const r of ch.reasons) process.stdout.write(`    · ${r}\n`);
        }
      } finally {
        await app.close();
      }
    });
}
