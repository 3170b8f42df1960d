import type { EventType } from '@dvk/contracts';
import { SOURCES, type LineSink } from './emit.js';
import type { District } from './registry.js';
import { Rand } from './rng.js';
import { at, dayOf, fmtLocal, isContestYear } from './time.js';

/**
 * The intended bad lines of district copy 1 (option `badEvents`). Bad input must never disappear
 * nor count silently (RULEBOOK §1): six lines fail the schema and go to the dead-letter store at
 * import; five are well-formed but do not fit the state and become rejected facts.
 */
export type BadLineSpec =
  | {
      readonly kind: 'dead_letter';
      readonly key: string;
      readonly year: number;
      readonly what: string;
      /** A substring of the validation message the line must fail with. */
      readonly reason: string;
    }
  | {
      readonly kind: 'rejected_fact';
      readonly key: string;
      readonly year: number;
      readonly what: string;
      readonly type: EventType;
      readonly unitId: string;
      /** The rejected-fact code of the scoring core. */
      readonly code: string;
    };

/** The first year from `from` on (or before) that is not a contest year. */
function nonContestYear(from: number): number {
  for (const y of [from, from + 1, from - 1]) if (y >= 2016 && !isContestYear(y)) return y;
  return from + 1;
}

/** The bad lines planned for the generated years (each placed in the year of its event). */
export function badLineSpecs(firstYear: number, lastYear: number): BadLineSpec[] {
  const y = (k: number) => firstYear + Math.min(k, lastYear - firstYear);
  return [
    { kind: 'dead_letter', key: 'points-3-decimals', year: y(0), what: 'CriterionAssessed with 17.125 points (3 decimals)', reason: 'data.points: must have at most 2 decimals' },
    { kind: 'dead_letter', key: 'month-13', year: y(0), what: 'MonthlyReportSubmitted for month 13', reason: 'data.month: must be between 1 and 12' },
    { kind: 'rejected_fact', key: 'unknown-unit', year: y(0), what: 'CriterionAssessed for an unregistered unit (a typo of xa-lien-chung)', type: 'CriterionAssessed', unitId: 'xa-lien-chug', code: 'unknown_unit' },
    { kind: 'dead_letter', key: 'unknown-type', year: y(1), what: 'an event of unknown type DialogueCancelled', reason: 'type: unknown event type "DialogueCancelled"' },
    { kind: 'rejected_fact', key: 'wrong-kind', year: y(1), what: 'criterion B1 (group B) assessed for a commune party committee', type: 'CriterionAssessed', unitId: 'xa-ngoc-chau', code: 'criterion_not_of_kind' },
    { kind: 'rejected_fact', key: 'registered-twice', year: y(1), what: 'a second UnitRegistered of xa-ngoc-van (a legacy system re-sending it)', type: 'UnitRegistered', unitId: 'xa-ngoc-van', code: 'unit_already_registered' },
    { kind: 'dead_letter', key: 'not-json', year: y(2), what: 'a DialogueHeld line cut short (not JSON)', reason: 'not valid JSON' },
    { kind: 'rejected_fact', key: 'above-max', year: y(2), what: 'A7 assessed 12 points (max 10)', type: 'CriterionAssessed', unitId: 'cq-phong-tu-phap', code: 'points_above_max' },
    { kind: 'dead_letter', key: 'missing-field', year: y(2), what: 'ComplaintReceived without its category', reason: 'data.category: is required' },
    { kind: 'rejected_fact', key: 'unknown-assessment', year: y(3), what: 'AssessmentRetracted of an assessment id that does not exist', type: 'AssessmentRetracted', unitId: 'xa-quang-tien', code: 'unknown_assessment' },
    { kind: 'dead_letter', key: 'prize-non-contest', year: y(3), what: `ContestPrizeAwarded for ${nonContestYear(y(3))}, not a contest year`, reason: 'data.year: must be a contest year' },
  ];
}

/** Writes the bad lines of `year` into copy 1's block. */
export function badEventsOfYear(cfg: { seed: number; firstYear: number; lastYear: number }, d: District, year: number, sink: LineSink): void {
  const r = new Rand(cfg.seed, `bad|${year}`);
  const id = (key: string) => d.byKey.get(key)!.id;
  const envelope = (type: string, source: string, t: number, data: Record<string, unknown>) => ({
    id: sink.id(),
    type,
    schemaVersion: 1,
    source,
    occurredAt: fmtLocal(t),
    data,
  });
  const official = (unitId: string, criterionId: string, points: number) => ({ unitId, year, criterionId, points, role: 'official', assessorId: 'ban-dan-van' });

  for (const spec of badLineSpecs(cfg.firstYear, cfg.lastYear)) {
    if (spec.year !== year) continue;
    switch (spec.key) {
      case 'points-3-decimals': {
        const t = at(dayOf(year, 12, 18), 10, r.int(0, 59));
        sink.emitObject(t, envelope('CriterionAssessed', SOURCES.banDanVan, t, official(id('xa-cao-xa'), 'A2', 17.125)));
        break;
      }
      case 'month-13': {
        const t = at(dayOf(year + 1, 1, 3), 9, r.int(0, 59));
        sink.emitObject(t, envelope('MonthlyReportSubmitted', SOURCES.reports, t, { unitId: id('xa-lam-cot'), year, month: 13, submittedAt: fmtLocal(t) }));
        break;
      }
      case 'unknown-unit': {
        const t = at(dayOf(year, 12, 20), 14, r.int(0, 59));
        sink.emitObject(t, envelope('CriterionAssessed', SOURCES.banDanVan, t, official('xa-lien-chug', 'A1', 16.5)));
        break;
      }
      case 'unknown-type': {
        const t = at(dayOf(year, 10, 10), 8, r.int(0, 59));
        sink.emitObject(t, envelope('DialogueCancelled', SOURCES.reports, t, { unitId: id('xa-song-van'), heldAt: fmtLocal(t) }));
        break;
      }
      case 'wrong-kind': {
        const t = at(dayOf(year, 12, 22), 15, r.int(0, 59));
        sink.emitObject(t, envelope('CriterionAssessed', SOURCES.banDanVan, t, official(id('xa-ngoc-chau'), 'B1', 25)));
        break;
      }
      case 'registered-twice': {
        const t = at(dayOf(year, 3, 2), 9, r.int(0, 59));
        sink.emitObject(
          t,
          envelope('UnitRegistered', SOURCES.registry, t, { unitId: id('xa-ngoc-van'), kind: 'commune_party', name: 'Dang bo xa Ngoc Van', effectiveFrom: `${cfg.firstYear}-01-01` }),
        );
        break;
      }
      case 'not-json': {
        const t = at(dayOf(year, 6, 12), 8, r.int(0, 59));
        const text = JSON.stringify(envelope('DialogueHeld', SOURCES.reports, t, { unitId: id('xa-que-nham'), heldAt: fmtLocal(t), participants: 85 }));
        sink.emitRaw(t, text.slice(0, text.indexOf('"heldAt"') + 12));
        break;
      }
      case 'above-max': {
        const t = at(dayOf(year + 1, 1, 16), 9, r.int(0, 59));
        sink.emitObject(t, envelope('CriterionAssessed', SOURCES.banDanVan, t, official(id('cq-phong-tu-phap'), 'A7', 12)));
        break;
      }
      case 'missing-field': {
        const t = at(dayOf(year, 4, 8), 10, r.int(0, 59));
        sink.emitObject(t, envelope('ComplaintReceived', SOURCES.complaints, t, { unitId: id('xa-hop-duc'), caseId: `99/${year}/KN`, receivedAt: fmtLocal(t) }));
        break;
      }
      case 'unknown-assessment': {
        const t = at(dayOf(year + 1, 1, 12), 10, r.int(0, 59));
        sink.emitObject(
          t,
          envelope('AssessmentRetracted', SOURCES.banDanVan, t, { unitId: id('xa-quang-tien'), assessmentEventId: r.uuid(), reason: 'Chấm nhầm tiêu chí' }),
        );
        break;
      }
      case 'prize-non-contest': {
        const t = at(dayOf(year, 11, 5), 15, r.int(0, 59));
        sink.emitObject(t, envelope('ContestPrizeAwarded', SOURCES.banDanVan, t, { unitId: id('xa-viet-ngoc'), year: nonContestYear(year), prize: 'third' }));
        break;
      }
    }
  }
}
