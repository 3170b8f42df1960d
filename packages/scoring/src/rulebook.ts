import { z } from 'zod';
import * as E from 'fp-ts/lib/Either.js';
import {
  CASE_CATEGORIES,
  MODEL_LEVELS,
  PRIZES,
  RANK_LISTS,
  TIERS,
  TITLES,
  UNIT_KINDS,
  VETOES,
  digestOf,
  formatIssues,
  hasAtMostTwoDecimals,
  validationError,
  type CaseCategory,
  type ModelLevel,
  type Prize,
  type RankList,
  type RbText,
  type RulebookRef,
  type Tier,
  type UnitKind,
  type ValidationError,
} from '@dvk/contracts';
import defaultRulebookData from './rulebooks/tan-yen-2016.v1.json' with { type: 'json' };

/** A number of points in the rulebook file: ≥ 0 with at most two decimals. */
const Pts = z.number().min(0).refine(hasAtMostTwoDecimals, { error: 'must have at most 2 decimals' });
const Kind = z.enum(UNIT_KINDS);

/**
 * A text of the rulebook that people read: Vietnamese and English (`{ "vi": …, "en": … }`), or one
 * string — Vietnamese — in rulebook files written before rulebooks carried both languages (then
 * English shows the Vietnamese). A rule's wording is an ICU message that may use the parameters
 * of its message code (`CORE_MESSAGES` in @dvk/contracts: `{year}`, `{deadlineDay}`…); the
 * explanation of every figure quotes it. Where a rulebook has no wording for a rule, the
 * catalogue's is used.
 */
const Text = z.union([z.string().min(1), z.strictObject({ vi: z.string().min(1), en: z.string().min(1) })]);
type Text = z.infer<typeof Text>;
export const rbText = (t: Text): RbText => (typeof t === 'string' ? { vi: t, en: t } : t);
const optText = (t: Text | undefined): RbText | null => (t === undefined ? null : rbText(t));

const Source = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('assessed') }),
  z.strictObject({ type: z.literal('reporting'), deadlineDayOfNextMonth: z.number().int().min(1).max(28) }),
  z.strictObject({
    type: z.literal('cases'),
    deadlineDays: z.strictObject({ complaint: z.number().int().min(0), denunciation: z.number().int().min(0), petition: z.number().int().min(0) }),
  }),
  z.strictObject({
    type: z.literal('dialogues'),
    steps: z.array(z.strictObject({ atLeast: z.number().int().min(1), points: Pts })).min(1),
  }),
  z.strictObject({
    type: z.literal('models'),
    levelPoints: z.strictObject({ commune: Pts, district: Pts, province: Pts }),
  }),
]);

const Criterion = z.strictObject({
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/),
  name: Text,
  max: Pts,
  source: Source,
  rule: Text.optional(),
});

const Tiers = z.strictObject({
  levels: z.array(z.strictObject({ id: z.enum(TIERS), label: Text, min: Pts })).min(1),
  vetoCap: z.enum(TIERS),
  rule: Text.optional(),
});

const Target = z.union([
  z.strictObject({ op: z.literal('gt'), percent: z.number().min(0).max(100) }),
  z.strictObject({ op: z.literal('gte'), percent: z.number().min(0).max(100) }),
  z.strictObject({ op: z.literal('eq'), percent: z.number().min(0).max(100) }),
  z.strictObject({ op: z.literal('eq'), value: z.number().int().min(0) }),
  z.strictObject({ op: z.literal('between'), min: z.number().min(0), max: z.number().min(0) }),
  z.strictObject({ op: z.literal('lte'), value: z.number().int().min(0) }),
  z.strictObject({ op: z.literal('monitor') }),
]);

const Kpi = z.union([
  z.strictObject({
    id: z.string().min(1),
    label: Text,
    rule: Text.optional(),
    type: z.literal('share'),
    kinds: z.array(Kind).min(1),
    numerator: z.union([
      z.strictObject({ tiers: z.array(z.enum(TIERS)).min(1) }),
      z.strictObject({ titles: z.array(z.enum(TITLES)).min(1) }),
      z.strictObject({ ownsModel: z.literal(true) }),
      z.strictObject({ allMonthsOnTime: z.literal(true) }),
    ]),
    target: Target,
  }),
  z.strictObject({
    id: z.string().min(1),
    label: Text,
    rule: Text.optional(),
    type: z.literal('count'),
    count: z.literal('titles'),
    titles: z.array(z.enum(TITLES)).min(1),
    target: Target,
  }),
  z.strictObject({
    id: z.string().min(1),
    label: Text,
    rule: Text.optional(),
    type: z.literal('count'),
    count: z.literal('hotspots'),
    target: Target,
  }),
]);

/** The file format of a rulebook (RULEBOOK.md §6): sections 3–5 as data. */
export const RulebookFile = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  version: z.number().int().min(1),
  title: Text,
  appliesFromYear: z.number().int().min(2016),
  totalCap: Pts,
  totalRule: Text.optional(),
  groups: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        kinds: z.array(Kind).min(1),
        criteria: z.array(Criterion).min(1),
        tiers: Tiers.nullable(),
      }),
    )
    .min(1),
  bonus: z.strictObject({
    contestPrize: z.strictObject({ first: Pts, second: Pts, third: Pts, encouragement: Pts }),
    rule: Text.optional(),
  }),
  /** The vetoes in force: an id, or an id with its wording (label and rule). */
  vetoes: z.array(z.union([z.enum(VETOES), z.strictObject({ id: z.enum(VETOES), label: Text, rule: Text })])),
  lists: z
    .array(
      z.strictObject({
        id: z.enum(RANK_LISTS),
        label: Text,
        kinds: z.array(Kind).min(1),
        tieBreak: z.array(z.string()),
        rule: Text.optional(),
      }),
    )
    .min(1),
  titles: z.strictObject({
    danVanKheo: z.strictObject({
      label: Text,
      rule: Text.optional(),
      list: z.enum(RANK_LISTS),
      capPercentOfRoll: z.number().int().min(0).max(100),
      minTotal: Pts,
      requireNoVeto: z.boolean(),
    }),
    tieuBieu: z.strictObject({ label: Text, rule: Text.optional(), minTotal: Pts, maxCount: z.number().int().min(0) }),
  }),
  kpis: z.array(Kpi),
});
export type RulebookFile = z.infer<typeof RulebookFile>;
export type KpiSpec = RulebookFile['kpis'][number];
export type KpiTarget = KpiSpec['target'];

/** Points in hundredths (integers): every computation in the core is integer arithmetic. */
export type Hundredths = number;
export const toH = (points: number): Hundredths => Math.round(points * 100);
export const fromH = (h: Hundredths): number => h / 100;

export type SourceSpec =
  | { type: 'assessed' }
  | { type: 'reporting'; deadlineDayOfNextMonth: number }
  | { type: 'cases'; deadlineDays: Record<CaseCategory, number> }
  | { type: 'dialogues'; steps: { atLeast: number; pointsH: Hundredths }[] }
  | { type: 'models'; levelPointsH: Record<ModelLevel, Hundredths> };

export interface CriterionSpec {
  id: string;
  name: RbText;
  maxH: Hundredths;
  source: SourceSpec;
  /** The rulebook's wording of how the criterion is computed (null: the catalogue's). */
  rule: RbText | null;
}
export interface GroupSpec {
  id: string;
  kinds: UnitKind[];
  criteria: CriterionSpec[];
  tiers: { levels: { id: Tier; label: RbText; minH: Hundredths }[]; vetoCap: Tier; rule: RbText | null } | null;
}
export interface ListSpec {
  id: RankList;
  label: RbText;
  kinds: UnitKind[];
  group: GroupSpec;
  /** Criteria compared after the total, in order (models, then cases or reporting). */
  tieBreak: string[];
  rule: RbText | null;
}

/** The rulebook's wording of everything that is not a criterion, tier or list (null: the catalogue's). */
export interface RulebookTexts {
  readonly title: RbText;
  readonly total: RbText | null;
  readonly bonus: RbText | null;
  readonly vetoes: Partial<Record<(typeof VETOES)[number], { label: RbText; rule: RbText } | null>>;
  readonly titles: { dan_van_kheo: { label: RbText; rule: RbText | null }; tieu_bieu: { label: RbText; rule: RbText | null } };
  readonly kpis: Record<string, { label: RbText; rule: RbText | null }>;
}

/** A validated rulebook with lookups prepared and every number in hundredths. */
export interface Rulebook {
  readonly ref: RulebookRef;
  readonly file: RulebookFile;
  readonly totalCapH: Hundredths;
  readonly groups: GroupSpec[];
  readonly groupOfKind: Partial<Record<UnitKind, GroupSpec>>;
  readonly listOfKind: Partial<Record<UnitKind, ListSpec>>;
  readonly lists: ListSpec[];
  readonly criterion: Record<string, { spec: CriterionSpec; group: GroupSpec }>;
  readonly prizeH: Record<Prize, Hundredths>;
  readonly vetoes: ReadonlySet<string>;
  readonly tierLabel: Partial<Record<Tier, RbText>>;
  readonly texts: RulebookTexts;
}

/** Validates a rulebook (schema and consistency) and prepares it for the core. Never throws. */
export function loadRulebook(raw: unknown): E.Either<ValidationError, Rulebook> {
  const parsed = RulebookFile.safeParse(raw);
  if (!parsed.success) return E.left(validationError(formatIssues(parsed.error.issues)));
  const file = parsed.data;
  const problems: { path: string; message: string }[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });

  const groupOfKind: Partial<Record<UnitKind, GroupSpec>> = {};
  const criterion: Rulebook['criterion'] = {};
  const tierLabel: Partial<Record<Tier, RbText>> = {};
  const groups: GroupSpec[] = file.groups.map((g, gi) => {
    const criteria: CriterionSpec[] = g.criteria.map((c, ci) => {
      const path = `groups[${gi}].criteria[${ci}]`;
      let source: SourceSpec;
      switch (c.source.type) {
        case 'dialogues':
          source = { type: 'dialogues', steps: c.source.steps.map((s) => ({ atLeast: s.atLeast, pointsH: toH(s.points) })) };
          source.steps.sort((a, b) => b.atLeast - a.atLeast);
          for (const s of c.source.steps) if (s.points > c.max) bad(`${path}.source.steps`, `${s.points} points exceed the maximum ${c.max}`);
          break;
        case 'models':
          source = {
            type: 'models',
            levelPointsH: { commune: toH(c.source.levelPoints.commune), district: toH(c.source.levelPoints.district), province: toH(c.source.levelPoints.province) },
          };
          break;
        default:
          source = c.source;
      }
      return { id: c.id, name: rbText(c.name), maxH: toH(c.max), source, rule: optText(c.rule) };
    });
    const spec: GroupSpec = {
      id: g.id,
      kinds: g.kinds,
      criteria,
      tiers: g.tiers
        ? { levels: g.tiers.levels.map((l) => ({ id: l.id, label: rbText(l.label), minH: toH(l.min) })), vetoCap: g.tiers.vetoCap, rule: optText(g.tiers.rule) }
        : null,
    };
    for (const c of criteria) {
      if (criterion[c.id]) bad(`groups[${gi}].criteria`, `criterion ${c.id} is defined twice`);
      criterion[c.id] = { spec: c, group: spec };
    }
    for (const k of g.kinds) {
      if (groupOfKind[k]) bad(`groups[${gi}].kinds`, `kind ${k} belongs to two groups`);
      groupOfKind[k] = spec;
    }
    if (spec.tiers) {
      const mins = spec.tiers.levels.map((l) => l.minH);
      for (let i = 1; i < mins.length; i++) if (mins[i]! >= mins[i - 1]!) bad(`groups[${gi}].tiers.levels`, 'thresholds must be strictly decreasing');
      if (mins[mins.length - 1] !== 0) bad(`groups[${gi}].tiers.levels`, 'the last tier must start at 0 so every total has a tier');
      if (!spec.tiers.levels.some((l) => l.id === spec.tiers!.vetoCap)) bad(`groups[${gi}].tiers.vetoCap`, `${spec.tiers.vetoCap} is not a tier of this group`);
      for (const l of spec.tiers.levels) tierLabel[l.id] = l.label;
    }
    return spec;
  });

  const listOfKind: Partial<Record<UnitKind, ListSpec>> = {};
  const lists: ListSpec[] = [];
  file.lists.forEach((l, li) => {
    const group = groupOfKind[l.kinds[0]!];
    if (!group) return bad(`lists[${li}].kinds`, `kind ${l.kinds[0]} has no scoresheet group`);
    for (const k of l.kinds) {
      if (groupOfKind[k] !== group) bad(`lists[${li}].kinds`, 'all kinds of a list must share one scoresheet group');
      if (listOfKind[k]) bad(`lists[${li}].kinds`, `kind ${k} is in two lists`);
    }
    for (const c of l.tieBreak) if (!group.criteria.some((x) => x.id === c)) bad(`lists[${li}].tieBreak`, `${c} is not a criterion of group ${group.id}`);
    if (lists.some((x) => x.id === l.id)) bad(`lists[${li}].id`, `list ${l.id} is defined twice`);
    const spec: ListSpec = { id: l.id, label: rbText(l.label), kinds: l.kinds, group, tieBreak: l.tieBreak, rule: optText(l.rule) };
    for (const k of l.kinds) listOfKind[k] = spec;
    lists.push(spec);
  });
  for (const g of groups) for (const k of g.kinds) if (!listOfKind[k]) bad('lists', `kind ${k} is scored but in no rank list`);
  if (!lists.some((l) => l.id === file.titles.danVanKheo.list)) bad('titles.danVanKheo.list', `no list ${file.titles.danVanKheo.list}`);
  const kpiIds = new Set<string>();
  file.kpis.forEach((k, ki) => {
    if (kpiIds.has(k.id)) bad(`kpis[${ki}].id`, `KPI ${k.id} is defined twice`);
    kpiIds.add(k.id);
    if (k.target.op === 'between' && k.target.min > k.target.max) bad(`kpis[${ki}].target`, 'min is above max');
  });
  const vetoIds = file.vetoes.map((v) => (typeof v === 'string' ? v : v.id));
  if (new Set(vetoIds).size !== vetoIds.length) bad('vetoes', 'a veto is named twice');
  if (problems.length) return E.left(validationError(problems));
  const t = file.titles;
  const texts: RulebookTexts = {
    title: rbText(file.title),
    total: optText(file.totalRule),
    bonus: optText(file.bonus.rule),
    vetoes: Object.fromEntries(file.vetoes.map((v) => (typeof v === 'string' ? [v, null] : [v.id, { label: rbText(v.label), rule: rbText(v.rule) }]))),
    titles: {
      dan_van_kheo: { label: rbText(t.danVanKheo.label), rule: optText(t.danVanKheo.rule) },
      tieu_bieu: { label: rbText(t.tieuBieu.label), rule: optText(t.tieuBieu.rule) },
    },
    kpis: Object.fromEntries(file.kpis.map((k) => [k.id, { label: rbText(k.label), rule: optText(k.rule) }])),
  };

  return E.right({
    ref: { id: file.id, version: file.version, hash: digestOf(file) },
    file,
    totalCapH: toH(file.totalCap),
    groups,
    groupOfKind,
    listOfKind,
    lists,
    criterion,
    prizeH: {
      first: toH(file.bonus.contestPrize.first),
      second: toH(file.bonus.contestPrize.second),
      third: toH(file.bonus.contestPrize.third),
      encouragement: toH(file.bonus.contestPrize.encouragement),
    },
    vetoes: new Set(vetoIds),
    tierLabel,
    texts,
  });
}

let cachedDefault: Rulebook | undefined;
/** The default rulebook `tan-yen-2016` version 1 (RULEBOOK.md), validated once. */
export function defaultRulebook(): Rulebook {
  if (!cachedDefault) {
    const r = loadRulebook(defaultRulebookData);
    if (E.isLeft(r)) throw new Error(`the bundled default rulebook is invalid: ${r.left.message}`);
    cachedDefault = r.right;
  }
  return cachedDefault;
}

export const PRIZE_ORDER: readonly Prize[] = PRIZES;
export const CASE_KINDS: readonly CaseCategory[] = CASE_CATEGORIES;
export const LEVEL_ORDER: readonly ModelLevel[] = MODEL_LEVELS;

/**
 * The rulebooks in force: each applies from its `appliesFromYear` until the next one's. The set
 * is part of every projection's checkpoint: changing it means rebuilding the read model.
 */
export interface RulebookSet {
  readonly rulebooks: readonly Rulebook[];
  /** `sha256:` over the refs of the rulebooks, in order. */
  readonly hash: string;
  forYear(year: number): Rulebook;
}

export function rulebookSet(rulebooks: readonly Rulebook[]): RulebookSet {
  if (rulebooks.length === 0) throw new Error('a rulebook set needs at least one rulebook');
  const sorted = [...rulebooks].sort((a, b) => a.file.appliesFromYear - b.file.appliesFromYear);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.file.appliesFromYear === sorted[i - 1]!.file.appliesFromYear)
      throw new Error(`two rulebooks apply from ${sorted[i]!.file.appliesFromYear}: ${sorted[i - 1]!.ref.id} and ${sorted[i]!.ref.id}`);
  return {
    rulebooks: sorted,
    hash: digestOf(sorted.map((r) => r.ref)),
    forYear(year) {
      let pick = sorted[0]!;
      for (const r of sorted) if (r.file.appliesFromYear <= year) pick = r;
      return pick;
    },
  };
}
