import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RankingMessage, YearReport } from '@dvk/contracts';
import { buildProgram } from '../src/main.js';

/**
 * The `dvk` command end to end, as a user runs it (issues 2 and 6): generate the sample district,
 * import it (and again: nothing appended), report, explain, rejected, verify, publish rankings and
 * audit-check them, replay as of an earlier position, compare rulebooks.
 */
const root = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'dvk-cli-'));
const db = join(dir, 'dvk.sqlite');
const sample = join(dir, 'sample.ndjson');

function dvk(args: string[], opts: { allowFail?: boolean; db?: string } = {}): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'services/cli/src/main.ts'), '--db', opts.db ?? db, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DVK_LOG_LEVEL: 'warn' },
    maxBuffer: 64 << 20,
  });
  if (!opts.allowFail && r.status !== 0) throw new Error(`dvk ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}
const json = <T = unknown>(args: string[]) => JSON.parse(dvk(args).stdout) as T;

beforeAll(() => {
  dvk(['generate', '--seed', '2016', '--out', sample]);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dvk, end to end on the sample district', () => {
  it('imports the sample: valid events appended, bad lines dead-lettered; a re-import appends nothing', () => {
    const first = json<{ lines: number; appended: number; duplicates: number; rejected: number }>(['import', sample, '--json']);
    expect(first.lines).toBe(readFileSync(sample, 'utf8').split('\n').filter(Boolean).length);
    expect(first.rejected).toBe(6);
    expect(first.appended).toBe(first.lines - 6);
    const again = json<{ appended: number; duplicates: number; rejected: number }>(['import', sample, '--json']);
    expect(again).toMatchObject({ appended: 0, duplicates: first.appended, rejected: 6 });
  });

  it('reports every year as JSON that parses with the contract, the same bytes every time', () => {
    for (const year of [2016, 2017, 2018, 2019, 2020]) {
      const out = dvk(['report', '--year', String(year), '--json']).stdout;
      const r = YearReport.parse(JSON.parse(out));
      expect(r.year).toBe(year);
      expect(r.units.some((u) => u.kind === 'village')).toBe(false);
      expect(r.units.filter((u) => u.list === 'dvk_candidates' && u.titles.includes('dan_van_kheo')).length).toBe(r.kpis.K4 && 'numerator' in r.kpis.K4 ? r.kpis.K4.numerator : -1);
      for (const u of r.units) {
        expect(u.rank === null).toBe(!u.complete);
        for (const v of [u.total, u.bonus, ...Object.values(u.criteria)]) if (v !== null) expect(Math.round(v * 100) / 100).toBe(v);
      }
      if (year === 2020) expect(dvk(['report', '--year', '2020', '--json']).stdout).toBe(out);
    }
    const text = dvk(['report', '--year', '2019', '--top', '3']).stdout;
    expect(text).toContain('BÁO CÁO KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CÔNG TÁC DÂN VẬN NĂM 2019');
    expect(text).toContain('Dân vận khéo');
  });

  it('explains a unit-year down to its events, and lists rejected facts and dead letters', () => {
    const x = json<{ scorecard: { criteria: { id: string; rule: string; used: { position: number }[] }[] }; events: Record<string, { eventId: string }> }>([
      'explain', '--unit', 'xa-cao-thuong', '--year', '2019', '--json',
    ]);
    expect(x.scorecard.criteria.map((c) => c.id)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7']);
    for (const c of x.scorecard.criteria) for (const u of c.used) expect(x.events[u.position]!.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(dvk(['explain', '--unit', 'xa-cao-thuong', '--year', '2019']).stdout).toContain('quy tắc: Điểm chấm chính thức mới nhất của Ban Dân vận Huyện ủy cho tiêu chí A1 năm 2019');
    const rej = json<{ rejectedFacts: { code: string; eventId: string }[]; deadLetters: { ref: string; reason: string }[] }>(['rejected', '--json']);
    expect(rej.rejectedFacts.map((f) => f.code).sort()).toEqual(['criterion_not_of_kind', 'points_above_max', 'unit_already_registered', 'unknown_assessment', 'unknown_unit']);
    expect(rej.deadLetters).toHaveLength(6);
    for (const d of rej.deadLetters) expect(d.ref).toMatch(/^sample\.ndjson:\d+$/);
  });

  it('verifies the hash chain, publishes rankings that pass audit check, and replays as of an earlier position', () => {
    expect(dvk(['verify']).stdout).toMatch(/^OK: \d+ sự kiện/);
    const published = dvk(['rankings', 'publish', '--json']).stdout.trim().split('\n').map((l) => RankingMessage.parse(JSON.parse(l)));
    expect(published).toHaveLength(20);
    const before = dvk(['report', '--year', '2018', '--json']).stdout;
    const m = published.find((p) => p.year === 2018 && p.list === 'dvk_candidates')!;
    const file = join(dir, 'ranking.json');
    writeFileSync(file, dvk(['rankings', 'show', '--year', '2018', '--list', 'dvk_candidates']).stdout);
    const check = json<{ ok: boolean; checks: { ok: boolean }[] }>(['audit', 'check', file, '--json']);
    expect(check.ok).toBe(true);

    // a late correction of 2018 after the publication: the report changes; as of the publication it does not
    const top = m.content.entries[0]!;
    const correction = join(dir, 'correction.ndjson');
    writeFileSync(
      correction,
      JSON.stringify({ id: 'abcdef01-0000-4000-8000-000000000001', type: 'CriterionAssessed', schemaVersion: 1, source: 'ban-dan-van', occurredAt: '2021-03-01T08:00:00+07:00', data: { unitId: top.unitId, year: 2018, criterionId: 'A2', points: 1, role: 'official', assessorId: 'ban-dan-van' } }) + '\n',
    );
    expect(json<{ appended: number }>(['import', correction, '--json']).appended).toBe(1);
    expect(dvk(['report', '--year', '2018', '--json']).stdout).not.toBe(before);
    expect(dvk(['report', '--year', '2018', '--json', '--as-of', String(m.position)]).stdout).toBe(before);
    // the published ranking still checks out: it says "as of its position"
    expect(json<{ ok: boolean }>(['audit', 'check', file, '--json']).ok).toBe(true);
    const revised = dvk(['rankings', 'publish', '--json']).stdout.trim().split('\n').map((l) => RankingMessage.parse(JSON.parse(l)));
    const r = revised.find((p) => p.year === 2018 && p.list === 'dvk_candidates')!;
    expect([r.version, r.status]).toEqual([2, 'revised']);
    expect(json<RankingMessage>(['rankings', 'show', '--year', '2018', '--list', 'dvk_candidates', '--version', '1']).contentDigest).toBe(m.contentDigest);
  });

  it('detects a tampered event and names it', async () => {
    const copy = join(dir, 'tampered.sqlite');
    const src = new Database(db, { readonly: true });
    await src.backup(copy);
    src.close();
    const t = new Database(copy);
    t.prepare("UPDATE events SET body = replace(body, '\"points\":', '\"points\": ') WHERE position = (SELECT min(position) FROM events WHERE body LIKE '%CriterionAssessed%')").run();
    t.close();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'services/cli/src/main.ts'), '--db', copy, 'verify', '--json'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    const rep = JSON.parse(r.stdout) as { ok: boolean; breakages: { kind: string; stream: string }[] };
    expect(rep.ok).toBe(false);
    expect(rep.breakages[0]).toMatchObject({ kind: 'changed' });
  });

  it('compares rulebooks: raising the Dân vận khéo threshold to 90 takes titles away, and says why', () => {
    const d = json<{ ruleChanges: string[]; changes: { unitId: string; before: { titles: string[] }; after: { titles: string[] }; reasons: string[] }[] }>([
      'diff-rules', '--year', '2019', '--rulebook', join(root, 'examples/rulebooks/tan-yen-2016-dvk90.json'), '--json',
    ]);
    expect(d.ruleChanges).toEqual(['titles.danVanKheo.minTotal: 85 → 90']);
    expect(d.changes.length).toBeGreaterThan(0);
    for (const c of d.changes) {
      expect(c.before.titles).toContain('dan_van_kheo');
      expect(c.after.titles).not.toContain('dan_van_kheo');
      expect(c.reasons.join(' ')).toMatch(/dưới 90/);
      expect(c.reasons).toContain('rule changed: titles.danVanKheo.minTotal: 85 → 90');
    }
  });
});

describe('every dvk command has --help', () => {
  it('describes every command and option', () => {
    const program = buildProgram();
    const walk = (c: ReturnType<typeof buildProgram>, path: string[]): void => {
      for (const sub of c.commands) {
        expect(sub.description(), `dvk ${[...path, sub.name()].join(' ')}`).not.toBe('');
        expect(sub.helpInformation()).toContain('Usage: dvk');
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(program, []);
    expect(program.commands.map((c) => c.name())).toEqual(expect.arrayContaining(['start', 'import', 'report', 'explain', 'rejected', 'generate', 'verify', 'audit', 'diff-rules', 'rulebook', 'rebuild', 'sources']));
    expect(dvk(['report', '--help']).stdout).toContain('--as-of');
  });
});

describe('dvk refuses what it cannot do, saying which option and why', () => {
  it('a store that is not there is an error (and is not created), except for the commands that write', () => {
    const missing = join(dir, 'no-such-dir', 'typo.sqlite');
    for (const args of [['report', '--year', '2019'], ['explain', '--unit', 'x', '--year', '2019'], ['rejected'], ['verify'], ['rankings', 'publish']]) {
      const r = dvk(args, { db: missing, allowFail: true });
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(`no store at ${missing}`);
    }
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
    // the first source of an ingest service's file is registered before any event
    const fresh = join(dir, 'ingest.sqlite');
    const r = dvk(['sources', 'add', 'ban-dan-van', '--json'], { db: fresh, allowFail: true });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(fresh)).toBe(true);
  });

  it.each([
    [['report', '--year', 'abc'], '--year must be a four-digit year from 2016 (got "abc")'],
    [['report', '--year', '1999'], '--year must be a four-digit year from 2016 (got "1999")'],
    [['report', '--year', '2019', '--top', 'x'], '--top must be a whole number from 1 (got "x")'],
    [['report', '--year', '2019', '--as-of', '99999999'], '--as-of 99999999: the log ends at position'],
    [['explain', '--unit', 'x', '--year', '20l9'], '--year must be a four-digit year'],
    [['digest', '--at', '-1'], '--at must be a whole number from 0 (got "-1")'],
    [['audit', 'check', '/etc/hostname'], '/etc/hostname is not a JSON file'],
    [['generate', '--seed', 'x', '--out', '/dev/null'], '--seed must be a whole number from 0 (got "x")'],
  ])('dvk %j', (args, message) => {
    const r = dvk(args, { allowFail: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});
