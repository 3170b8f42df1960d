import { z } from 'zod';
import { RenderedMessage } from './messages.js';
import { UNIT_KINDS } from './events.js';

/**
 * Schemas of what dvk publishes: the yearly report (`dvk report --json`, the API), ranking
 * messages (Kafka topic `dvk.rankings`, the read model) and rejected facts. Points are numbers
 * with at most two decimals (kept in hundredths inside the core).
 */

export const RANK_LISTS = ['dvk_candidates', 'mobilization_team', 'mobilization_bloc', 'mass_org'] as const;
export type RankList = (typeof RANK_LISTS)[number];
export const TIERS = ['strong', 'advanced', 'good', 'fair', 'average', 'weak'] as const;
export type Tier = (typeof TIERS)[number];
export const TITLES = ['dan_van_kheo', 'tieu_bieu'] as const;
export const VETOES = ['hotspot', 'discipline'] as const;
export const RANKING_STATUSES = ['provisional', 'final', 'revised'] as const;
export type RankingStatus = (typeof RANKING_STATUSES)[number];

const PointsOut = z.number().refine((n) => Math.round(n * 100) / 100 === n, 'at most 2 decimals');

export const RulebookRef = z.strictObject({
  id: z.string(),
  version: z.number().int(),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type RulebookRef = z.infer<typeof RulebookRef>;

export const UnitResult = z.strictObject({
  unitId: z.string(),
  kind: z.enum(UNIT_KINDS),
  name: z.string(),
  complete: z.boolean(),
  /** Criteria ids without an official assessment: why an incomplete unit is "Chưa đánh giá". */
  missing: z.array(z.string()),
  /** Σ criteria + bonus, capped at the rulebook's total cap; for an incomplete sheet, the partial sum. */
  total: PointsOut,
  criteria: z.record(z.string(), PointsOut.nullable()),
  bonus: PointsOut,
  tier: z.enum(TIERS).nullable(),
  titles: z.array(z.enum(TITLES)),
  vetoes: z.array(z.enum(VETOES)),
  list: z.enum(RANK_LISTS),
  rank: z.number().int().positive().nullable(),
});
export type UnitResult = z.infer<typeof UnitResult>;

export const KpiShare = z.strictObject({
  label: z.string(),
  numerator: z.number().int().nonnegative(),
  denominator: z.number().int().nonnegative(),
  /** Percentage with one decimal, half up; null when the denominator is 0. */
  percent: z.string().regex(/^\d+\.\d$/).nullable(),
  target: z.string(),
  /** null when the denominator is 0 or the KPI is only monitored. */
  met: z.boolean().nullable(),
});
export const KpiCount = z.strictObject({
  label: z.string(),
  count: z.number().int().nonnegative(),
  target: z.string(),
  met: z.boolean().nullable(),
});
export const Kpi = z.union([KpiShare, KpiCount]);
export type Kpi = z.infer<typeof Kpi>;

export const YearReport = z.strictObject({
  year: z.number().int(),
  rulebook: RulebookRef,
  units: z.array(UnitResult),
  kpis: z.record(z.string(), Kpi),
});
export type YearReport = z.infer<typeof YearReport>;

export const RankingEntry = z.strictObject({
  rank: z.number().int().positive(),
  unitId: z.string(),
  name: z.string(),
  kind: z.enum(UNIT_KINDS),
  total: PointsOut,
  criteria: z.record(z.string(), PointsOut.nullable()),
  bonus: PointsOut,
  tier: z.enum(TIERS).nullable(),
  titles: z.array(z.enum(TITLES)),
  vetoes: z.array(z.enum(VETOES)),
});
export type RankingEntry = z.infer<typeof RankingEntry>;

export const UnratedEntry = z.strictObject({
  unitId: z.string(),
  name: z.string(),
  kind: z.enum(UNIT_KINDS),
  missing: z.array(z.string()),
});

/** What a ranking says: a pure function of the log up to a position and the rulebook. */
export const RankingContent = z.strictObject({
  year: z.number().int(),
  list: z.enum(RANK_LISTS),
  rulebook: RulebookRef,
  entries: z.array(RankingEntry),
  unrated: z.array(UnratedEntry),
});
export type RankingContent = z.infer<typeof RankingContent>;

/** The log digest: a Merkle root over the heads of every stream, at a log position. */
export const LogDigest = z.strictObject({
  position: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  streams: z.number().int().nonnegative(),
  root: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** Hash over the chain hashes in log order: catches events reordered across streams. */
  order: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type LogDigest = z.infer<typeof LogDigest>;

/** One message on Kafka topic `dvk.rankings` (key `<year>/<list>`), also kept in the read model. */
export const RankingMessage = z.strictObject({
  schema: z.literal('dvk.ranking/1'),
  year: z.number().int(),
  list: z.enum(RANK_LISTS),
  status: z.enum(RANKING_STATUSES),
  /** 1 for the first publication of (year, list), +1 for every change of content. */
  version: z.number().int().positive(),
  /** The last log position the ranking reflects. */
  position: z.number().int().nonnegative(),
  logDigest: LogDigest,
  rulebook: RulebookRef,
  /** `sha256:` of the canonical JSON of `content`. */
  contentDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  content: RankingContent,
});
export type RankingMessage = z.infer<typeof RankingMessage>;

export const RejectedFact = z.strictObject({
  position: z.number().int().positive(),
  eventId: z.string(),
  type: z.string(),
  stream: z.string(),
  unitId: z.string().nullable(),
  year: z.number().int().nullable(),
  code: z.string(),
  reason: RenderedMessage.describe('why the event does not count'),
});
export type RejectedFact = z.infer<typeof RejectedFact>;
