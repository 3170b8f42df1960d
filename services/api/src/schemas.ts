import { z } from 'zod';
import {
  Kpi,
  KpiCount,
  KpiShare,
  LogDigest,
  RANK_LISTS,
  RankingContent,
  RankingEntry,
  RankingMessage,
  RejectedFact,
  RenderedMessage,
  RulebookRef,
  TIERS,
  TITLES,
  UNIT_KINDS,
  UnitId,
  UnitResult,
  YearReport,
} from '@dvk/contracts';
import type { EventRef } from '@dvk/projections';
import type { ScorecardView } from '@dvk/scoring';

/**
 * The zod schema of every request and response of the read API. Published shapes are reused from
 * @dvk/contracts (YearReport, Kpi, RankingContent, RankingMessage, RejectedFact), so the OpenAPI
 * document (`/openapi.json`) is generated from the very schemas the pipeline publishes with.
 * Responses are validated against them before they are sent (fastify-type-provider-zod).
 */

// --- the OpenAPI components --------------------------------------------------------------------

/** A private registry (not zod's global one): the schemas named in the OpenAPI document. */
export const apiSchemaRegistry = z.registry<{ id: string; description?: string }>();

// --- requests -----------------------------------------------------------------------------------

export const YearParam = z.coerce
  .number({ error: 'must be a year number' })
  .int({ error: 'must be a whole year number' })
  .min(1900, { error: 'must be a four-digit year' })
  .max(9999, { error: 'must be a four-digit year' });

export const YearParams = z.object({ year: YearParam });
export const RankingParams = z.object({
  year: YearParam,
  /** Any string: an unknown list is a 404 (not a 400), as for an unknown year or unit. */
  list: z.string().min(1).max(64).describe(`one of ${RANK_LISTS.join(', ')}`),
});
export const RankingQuery = z.object({
  version: z.coerce.number({ error: 'must be a version number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be 1 or more' }).optional().describe('an older published version; default: the latest'),
});
export const UnitYearParams = z.object({ year: YearParam, unitId: UnitId });
export const UnitParams = z.object({ unitId: UnitId });
export const SearchQuery = z.object({
  q: z.string({ error: 'is required' }).trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).describe('part of a unit name (diacritics-insensitive: "dan van" finds "Dân vận") or of a unit id'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const RejectedQuery = z.object({
  year: YearParam.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

// --- responses ----------------------------------------------------------------------------------

export const ErrorBody = z
  .object({
    error: z.enum(['bad_request', 'unauthorized', 'not_found', 'too_many_requests', 'unavailable', 'internal']),
    message: z.string(),
  })
  .describe('Every error: a code and a readable reason');
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Checkpoint = z.object({
  position: z.number().int().nonnegative().describe('the last log position the read model reflects'),
  events: z.number().int().nonnegative(),
  updatedAt: z.string(),
});

export const YearInfo = z.object({
  year: z.number().int(),
  position: z.number().int().nonnegative().describe('the log position the figures reflect'),
  closedPosition: z.number().int().positive().nullable().describe("position of the year's first YearClosed; null while the year is open"),
  closed: z.boolean(),
  rulebook: RulebookRef,
  reportDigest: z.string(),
});
export const YearsResponse = z.object({ years: z.array(YearInfo), checkpoint: Checkpoint.nullable() });

export const KpiExplanation = z.object({
  rule: RenderedMessage.describe('the rule of RULEBOOK §5 the figure follows, quoting the rulebook'),
  computation: RenderedMessage.describe('the figure worked out'),
  counted: z.array(z.string()).describe('the units counted in the numerator (or the count)'),
  of: z.array(z.string()).describe('the units of the denominator (empty for a count)'),
});
export const KpisResponse = z.object({
  year: z.number().int(),
  closed: z.boolean(),
  position: z.number().int().nonnegative(),
  rulebook: RulebookRef,
  /** Exactly the `kpis` of the year's report (`dvk report --json`). */
  kpis: z.record(z.string(), Kpi).describe('exactly the kpis of the year report (dvk report --json)'),
  explain: z.record(z.string(), KpiExplanation),
});
export const KpiHistoryResponse = z.object({
  years: z.array(z.object({ year: z.number().int(), closed: z.boolean(), kpis: z.record(z.string(), Kpi) })),
});

const rankingExtras = {
  /** Versions published for (year, list), oldest first. */
  versions: z.array(z.number().int().positive()).describe('the versions published for this year and list, oldest first'),
  /** True when the current computation equals this content (nothing newer to publish). */
  current: z.boolean().describe('true when the current computation has the same content digest (nothing newer to publish)'),
};
/** A published ranking: the RankingMessage (dvk.ranking/1) exactly as published, plus two fields. */
export const PublishedRanking = RankingMessage.extend(rankingExtras).describe('The latest published RankingMessage (or ?version=N), with the list of versions');
/** No publication yet: the current content from the read model. */
export const UnpublishedRanking = z
  .strictObject({
    year: z.number().int(),
    list: z.enum(RANK_LISTS),
    status: z.literal('unpublished'),
    version: z.null(),
    position: z.number().int().nonnegative().describe('the last log position the content reflects'),
    logDigest: z.null(),
    rulebook: RulebookRef,
    contentDigest: z.string(),
    content: RankingContent,
    ...rankingExtras,
  })
  .describe('Not published yet by the ranking service: the current content of the read model');
export const RankingView = z.union([PublishedRanking, UnpublishedRanking]).describe('A ranking list, published or not (see status)');
export type RankingView = z.infer<typeof RankingView>;

export const UnitInfo = z.object({
  unitId: z.string(),
  kind: z.enum(UNIT_KINDS),
  name: z.string().describe('the current name'),
  parentId: z.string().nullable(),
  registeredFrom: z.string(),
  ended: RenderedMessage.nullable().describe('unit.dissolved {from} or unit.merged {target, from}; null while active'),
});
export const SearchResponse = z.object({ query: z.string(), units: z.array(UnitInfo) });

export const UnitYearSummary = z.object({
  year: z.number().int(),
  list: z.enum(RANK_LISTS),
  name: z.string(),
  complete: z.boolean(),
  total: z.number(),
  tier: z.enum(TIERS).nullable(),
  rank: z.number().int().positive().nullable(),
  titles: z.array(z.enum(TITLES)),
});
export const UnitResponse = z.object({ unit: UnitInfo, years: z.array(UnitYearSummary) });

const NoteView = z.object({ position: z.number().int().positive(), note: RenderedMessage });
const RbTextSchema = z.object({ vi: z.string(), en: z.string() }).describe('a text of the rulebook in both languages');
export const ScorecardViewSchema = z.object({
  unitId: z.string(),
  year: z.number().int(),
  kind: z.enum(UNIT_KINDS),
  name: z.string(),
  list: z.enum(RANK_LISTS),
  rulebook: RulebookRef,
  complete: z.boolean(),
  missing: z.array(z.string()),
  criteria: z.array(
    z.object({
      id: z.string(),
      name: RbTextSchema,
      source: z.string(),
      max: z.number(),
      points: z.number().nullable(),
      rule: RenderedMessage.describe('how the rulebook computes the criterion, quoting its wording'),
      computation: RenderedMessage.describe('the figure worked out for this unit and year'),
      used: z.array(NoteView).describe('events that count (✓)'),
      ignored: z.array(NoteView).describe('events that were superseded or do not count (✗), with the reason'),
    }),
  ),
  bonus: z.object({ points: z.number(), rule: RenderedMessage, used: z.array(NoteView), ignored: z.array(NoteView) }),
  total: z.number(),
  totalRule: RenderedMessage,
  totalComputation: RenderedMessage,
  vetoes: z.array(z.object({ id: z.string(), rule: RenderedMessage, events: z.array(NoteView) })),
  tier: z.enum(TIERS).nullable(),
  tierRule: RenderedMessage.nullable().describe('null: the unit’s group has no tiers'),
  tierComputation: RenderedMessage,
  rank: z.number().int().positive().nullable(),
  rankRule: RenderedMessage,
  rankComputation: RenderedMessage,
  titles: z.array(z.enum(TITLES)),
  titleRules: z.array(RenderedMessage),
  titleComputations: z.array(RenderedMessage),
  monthsOnTime: z.number().int(),
});
export const EventRefSchema = z.object({
  position: z.number().int().positive(),
  eventId: z.string(),
  type: z.string(),
  source: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export const RejectedItem = RejectedFact.extend({
  eventId: z.string().nullable().describe('null only when the event could not be read back'),
});
export const UnitYearResponse = z.object({
  unit: UnitInfo.nullable(),
  scorecard: ScorecardViewSchema,
  events: z.record(z.string(), EventRefSchema).describe('every event the explanation names, keyed by log position'),
  rejected: z.array(RejectedItem).describe('events of this unit and year kept out of scoring, and why'),
  years: z.array(z.number().int()).describe('the years this unit has a scorecard for'),
});
export const RejectedResponse = z.object({
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  items: z.array(RejectedItem),
});

for (const [schema, id] of [
  [RulebookRef, 'RulebookRef'],
  [LogDigest, 'LogDigest'],
  [KpiShare, 'KpiShare'],
  [KpiCount, 'KpiCount'],
  [Kpi, 'Kpi'],
  [UnitResult, 'UnitResult'],
  [YearReport, 'YearReport'],
  [RankingEntry, 'RankingEntry'],
  [RankingContent, 'RankingContent'],
  [RankingMessage, 'RankingMessage'],
  [PublishedRanking, 'PublishedRanking'],
  [UnpublishedRanking, 'UnpublishedRanking'],
  [RankingView, 'RankingView'],
  [RejectedItem, 'RejectedFact'],
  [ErrorBody, 'Error'],
  [RenderedMessage, 'Message'],
  [YearInfo, 'YearInfo'],
  [UnitInfo, 'UnitInfo'],
  [ScorecardViewSchema, 'ScorecardView'],
  [EventRefSchema, 'EventRef'],
] as const) {
  apiSchemaRegistry.add(schema, { id });
}

// --- compile-time checks: the schemas describe the types the read model returns ------------------

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
export type _ScorecardKeys = Assert<Equals<keyof z.infer<typeof ScorecardViewSchema>, keyof ScorecardView>>;
export type _CriterionKeys = Assert<Equals<keyof z.infer<typeof ScorecardViewSchema>['criteria'][number], keyof ScorecardView['criteria'][number]>>;
export type _EventRefKeys = Assert<Equals<keyof z.infer<typeof EventRefSchema>, keyof EventRef>>;
