import type Database from 'better-sqlite3';
import type { Msg, RankingContent, RankingMessage, YearReport } from '@dvk/contracts';
import type { KpiView, ScorecardView } from '@dvk/scoring';
import { withRules as putBack, type YearRules } from './card-rules.js';
import { ensureReadModel, normalizeName } from './read-model.js';

/** Read-only queries over the read model, shared by the CLI and the API. */
export interface YearRow {
  year: number;
  position: number;
  closedPosition: number | null;
  rulebook: { id: string; version: number; hash: string };
  reportDigest: string;
}

export interface RejectedRow {
  position: number;
  unitId: string;
  stream: string;
  type: string;
  year: number | null;
  code: string;
  reason: Msg;
}

export interface UnitRow {
  unitId: string;
  kind: string;
  name: string;
  parentId: string | null;
  registeredFrom: string;
  /** How the unit ended (`unit.merged`, `unit.dissolved`), or null while it is active. */
  ended: Msg | null;
}

interface StoredCard {
  card: string;
  rules: string;
  rank: number | null;
  rank_rule: string;
  titles: string;
  title_rules: string;
}
/** A stored scorecard with its year's rules (stored once per year) and its rank and titles (rm_ranks) put back. */
function withRules(r: StoredCard): ScorecardView {
  return putBack(JSON.parse(r.card) as ScorecardView, JSON.parse(r.rules) as YearRules, {
    rank: r.rank,
    rankComputation: JSON.parse(r.rank_rule) as Msg,
    titles: JSON.parse(r.titles) as string[],
    titleComputations: JSON.parse(r.title_rules) as Msg[],
  });
}
const CARD_SELECT =
  'SELECT c.year, c.card, y.rules, r.rank, r.rank_rule, r.titles, r.title_rules FROM rm_scorecards c JOIN rm_years y ON y.year = c.year JOIN rm_ranks r ON r.year = c.year AND r.unit_id = c.unit_id';

export function readModelQueries(db: Database.Database) {
  ensureReadModel(db);
  const q = {
    years: db.prepare('SELECT year, position, closed_position, rulebook_id, rulebook_version, rulebook_hash, report_digest FROM rm_years ORDER BY year'),
    report: db.prepare<[number], { report: string }>('SELECT report FROM rm_years WHERE year = ?'),
    kpiExplain: db.prepare<[number], { kpi_explain: string }>('SELECT kpi_explain FROM rm_years WHERE year = ?'),
    card: db.prepare<[number, string], StoredCard>(`${CARD_SELECT} WHERE c.year = ? AND c.unit_id = ?`),
    cardsOf: db.prepare<[string], StoredCard>(`${CARD_SELECT} WHERE c.unit_id = ? ORDER BY c.year`),
    content: db.prepare<[number, string], { content: string; digest: string; position: number }>('SELECT content, digest, position FROM rm_ranking_content WHERE year = ? AND list = ?'),
    contents: db.prepare<[], { year: number; list: string; digest: string; position: number }>('SELECT year, list, digest, position FROM rm_ranking_content ORDER BY year, list'),
    rejected: db.prepare('SELECT position, unit_id, stream, type, year, code, reason FROM rm_rejected WHERE (? IS NULL OR year = ?) ORDER BY position LIMIT ? OFFSET ?'),
    rejectedCount: db.prepare<[number | null, number | null], { n: number }>('SELECT count(*) AS n FROM rm_rejected WHERE (? IS NULL OR year = ?)'),
    search: db.prepare('SELECT unit_id, kind, name, parent_id, registered_from, ended FROM rm_units WHERE name_norm LIKE ? ESCAPE \'\\\' OR unit_id LIKE ? ESCAPE \'\\\' ORDER BY name_norm, unit_id LIMIT ?'),
    unit: db.prepare('SELECT unit_id, kind, name, parent_id, registered_from, ended FROM rm_units WHERE unit_id = ?'),
    published: db.prepare<[number, string], { message: string }>('SELECT message FROM rm_published WHERE year = ? AND list = ? ORDER BY version'),
    latestPublished: db.prepare<[number, string], { message: string }>('SELECT message FROM rm_published WHERE year = ? AND list = ? ORDER BY version DESC LIMIT 1'),
    checkpoint: db.prepare<[string], { position: number; events: number; rulebooks: string; updated_at: string }>('SELECT position, events, rulebooks, updated_at FROM rm_checkpoints WHERE name = ?'),
  };
  const toUnit = (r: Record<string, unknown>): UnitRow => ({
    unitId: r.unit_id as string,
    kind: r.kind as string,
    name: r.name as string,
    parentId: (r.parent_id as string | null) ?? null,
    registeredFrom: r.registered_from as string,
    ended: r.ended ? (JSON.parse(r.ended as string) as Msg) : null,
  });
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  return {
    years(): YearRow[] {
      return (q.years.all() as Record<string, unknown>[]).map((r) => ({
        year: r.year as number,
        position: r.position as number,
        closedPosition: (r.closed_position as number | null) ?? null,
        rulebook: { id: r.rulebook_id as string, version: r.rulebook_version as number, hash: r.rulebook_hash as string },
        reportDigest: r.report_digest as string,
      }));
    },
    /** The stored canonical JSON of the year's report: byte-identical to `dvk report --json`. */
    reportJson(year: number): string | null {
      return q.report.get(year)?.report ?? null;
    },
    report(year: number): YearReport | null {
      const j = q.report.get(year)?.report;
      return j ? (JSON.parse(j) as YearReport) : null;
    },
    kpiExplain(year: number): KpiView[] | null {
      const j = q.kpiExplain.get(year)?.kpi_explain;
      return j ? (JSON.parse(j) as KpiView[]) : null;
    },
    scorecard(year: number, unitId: string): ScorecardView | null {
      const r = q.card.get(year, unitId);
      return r ? withRules(r) : null;
    },
    scorecardsOfUnit(unitId: string): ScorecardView[] {
      return q.cardsOf.all(unitId).map(withRules);
    },
    rankingContent(year: number, list: string): { content: RankingContent; json: string; digest: string; position: number } | null {
      const r = q.content.get(year, list);
      return r ? { content: JSON.parse(r.content) as RankingContent, json: r.content, digest: r.digest, position: r.position } : null;
    },
    rankingDigests(): { year: number; list: string; digest: string; position: number }[] {
      return q.contents.all();
    },
    rejected(opts: { year?: number; limit?: number; offset?: number } = {}): RejectedRow[] {
      const y = opts.year ?? null;
      return (q.rejected.all(y, y, opts.limit ?? -1, opts.offset ?? 0) as Record<string, unknown>[]).map((r) => ({
        position: r.position as number,
        unitId: r.unit_id as string,
        stream: r.stream as string,
        type: r.type as string,
        year: (r.year as number | null) ?? null,
        code: r.code as string,
        reason: JSON.parse(r.reason as string) as Msg,
      }));
    },
    rejectedCount(year?: number): number {
      return q.rejectedCount.get(year ?? null, year ?? null)!.n;
    },
    /** Units whose name (diacritics-insensitive) or id contains the query. */
    searchUnits(query: string, limit = 50): UnitRow[] {
      const n = normalizeName(query);
      return (q.search.all(like(n), like(query.trim()), limit) as Record<string, unknown>[]).map(toUnit);
    },
    unit(unitId: string): UnitRow | null {
      const r = q.unit.get(unitId) as Record<string, unknown> | undefined;
      return r ? toUnit(r) : null;
    },
    /** Every published version of a ranking, oldest first. */
    publishedRankings(year: number, list: string): RankingMessage[] {
      return q.published.all(year, list).map((r) => JSON.parse(r.message) as RankingMessage);
    },
    latestPublished(year: number, list: string): { message: RankingMessage; json: string } | null {
      const r = q.latestPublished.get(year, list);
      return r ? { message: JSON.parse(r.message) as RankingMessage, json: r.message } : null;
    },
    checkpoint(name = 'scoring') {
      return q.checkpoint.get(name) ?? null;
    },
  };
}
export type ReadModelQueries = ReturnType<typeof readModelQueries>;
