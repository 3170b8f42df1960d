import type { CaseCategory, ModelLevel, Prize } from '@dvk/contracts';
import { SOURCES } from './emit.js';
import type { SampleModel } from './models.js';
import { HOTSPOT_SUMMARIES, RETRACTION_REASONS } from './names.js';
import type { SampleUnit } from './registry.js';
import { Rand } from './rng.js';
import { pts, roundHalfUp, workTime, quality, type YearCtx } from './sampling.js';
import { CASES_MAX_H, type Band } from './scores.js';
import { DAY_MS, MINUTE_MS, at, dayOf, daysInMonth, fmtDay, fmtLocal, fmtUtc, localDayOf, yearOf } from './time.js';

/**
 * The events of one year, by kind of activity: monthly reports, cases, dialogues, recognitions
 * and registrations of models, assessments and their corrections, registry changes, hotspots,
 * disciplines and contest prizes. Each function writes to the year's sink and, where the score
 * depends on it, returns the points RULEBOOK §3 will give (hundredths).
 */

export interface UnitExtras {
  incomplete: boolean;
  prizes: Prize[];
  forcedRetraction: boolean;
}

/** ModelRecognized events that give exactly `pointsH` (after the cap of 20). */
export function recognitions(ctx: YearCtx, r: Rand, u: SampleUnit, models: SampleModel[], pointsH: number): void {
  if (pointsH === 0 || models.length === 0) return;
  const ms = r.shuffled(models);
  const levels: ModelLevel[] = [];
  switch (pointsH) {
    case 800:
      levels.push('commune');
      break;
    case 1200:
      levels.push('district');
      break;
    case 1600:
      levels.push('commune', 'commune');
      break;
    default:
      if (ms.length === 1) levels.push('province');
      else {
        const x = r.float();
        levels.push(...(x < 0.6 ? (['district', 'commune'] as const) : x < 0.85 ? (['district', 'district'] as const) : (['province'] as const)));
        // A third recognised model changes nothing once the cap is reached, but it happens.
        if (ms.length >= 3 && r.chance(0.3)) levels.push('commune');
      }
  }
  levels.forEach((level, i) => {
    const m = ms[i]!;
    // Sometimes a model is first recognised by the commune, then higher: the highest level counts.
    if (level !== 'commune' && r.chance(0.15)) emitRecognition(ctx, r, u, m, 'commune');
    emitRecognition(ctx, r, u, m, level);
  });
}

function emitRecognition(ctx: YearCtx, r: Rand, u: SampleUnit, m: SampleModel, level: ModelLevel): void {
  const y = ctx.year;
  const t =
    level === 'commune'
      ? workTime(r, dayOf(y, 9, 10), dayOf(y, 10, 31))
      : level === 'district'
        ? workTime(r, dayOf(y, 11, 15), dayOf(y, 12, 20))
        : workTime(r, dayOf(y, 12, 1), dayOf(y, 12, 28));
  ctx.sink.emit('ModelRecognized', SOURCES.banDanVan, t, { unitId: u.id, modelId: m.id, year: y, level });
}

/** Self-assessments (sometimes), official ones, and the corrections of later months. */
export function assessments(
  ctx: YearCtx,
  r: Rand,
  u: SampleUnit,
  band: Band,
  crit: readonly (readonly [string, number])[],
  points: number[],
  extra: UnitExtras,
): void {
  const { sink, year } = ctx;
  const kind = u.kind;
  // A few values are written in tenths ("17.3"), as some assessors do; never above the maximum.
  const written = points.map((p, i) => (r.chance(0.05) ? Math.min(crit[i]![1], Math.max(0, Math.round(p / 10) * 10 + (p % 50 === 0 ? 10 : 0))) : p));

  const selfChance = kind === 'mass_org' ? 0.4 : kind === 'commune_party' || kind === 'agency' ? 0.3 : 0.08;
  if (r.chance(selfChance)) {
    const day = r.int(dayOf(year, 11, 20), dayOf(year, 12, 8));
    crit.forEach(([id, max], i) => {
      const h = Math.min(max, written[i]! + 25 * r.int(0, 8));
      sink.emit('CriterionAssessed', SOURCES.banDanVan, at(day, 9, 2 * i), { unitId: u.id, year, criterionId: id, points: pts(h), role: 'self', assessorId: u.id });
    });
  }

  const missing = extra.incomplete ? r.int(0, crit.length - 1) : -1;
  const day = r.int(dayOf(year, 12, 10), dayOf(year + 1, 1, 14));
  const hour = r.int(8, 15);
  const ids: string[] = [];
  crit.forEach(([id], i) => {
    if (i === missing) return ids.push('');
    ids.push(sink.emit('CriterionAssessed', SOURCES.banDanVan, at(day, hour, 2 * i), { unitId: u.id, year, criterionId: id, points: pts(written[i]!), role: 'official', assessorId: 'ban-dan-van' }));
  });
  if (extra.incomplete) return;

  // Corrections after the year is closed: units appeal, so a unit above a threshold only gains.
  const upOnly = band !== 'normal';
  const later = () => workTime(r, dayOf(year + 1, 2, 10), dayOf(year + 1, 4, 20));
  const corrected = (i: number) => {
    const [, max] = crit[i]!;
    const step = 25 * r.int(1, 4);
    const up = Math.min(max, written[i]! + step);
    return upOnly || r.chance(0.5) ? (up !== written[i] ? up : written[i]! - step) : Math.max(0, written[i]! - step);
  };
  if (extra.forcedRetraction) {
    const i = r.int(0, crit.length - 1);
    sink.emit('AssessmentRetracted', SOURCES.banDanVan, later(), { unitId: u.id, assessmentEventId: ids[i]!, reason: r.pick(RETRACTION_REASONS) });
    return;
  }
  const x = r.float();
  if (x < 0.03) {
    const i = r.int(0, crit.length - 1);
    sink.emit('CriterionAssessed', SOURCES.banDanVan, later(), { unitId: u.id, year, criterionId: crit[i]![0], points: pts(corrected(i)), role: 'official', assessorId: 'ban-dan-van' });
  } else if (x < 0.04) {
    const i = r.int(0, crit.length - 1);
    const t = later();
    sink.emit('AssessmentRetracted', SOURCES.banDanVan, t, { unitId: u.id, assessmentEventId: ids[i]!, reason: r.pick(RETRACTION_REASONS) });
    sink.emit('CriterionAssessed', SOURCES.banDanVan, t + r.int(1, 12) * DAY_MS, {
      unitId: u.id,
      year,
      criterionId: crit[i]![0],
      points: pts(corrected(i)),
      role: 'official',
      assessorId: 'ban-dan-van',
    });
  }
}

/**
 * The 12 monthly reports of the year (RULEBOOK §3 reporting): mostly by the 5th of the next
 * month, some late, a few missing, a few sent twice. Some timestamps are written in UTC around
 * local midnight: 17:00–22:59Z on the 4th is already the 5th in Vietnam (on time), 17:00–23:59Z on
 * the 5th is already the 6th (late). Returns the number of months on time.
 */
export function monthlyReports(ctx: YearCtx, r: Rand, u: SampleUnit, lateP: number, missP: number): number {
  const { year, sink } = ctx;
  let onTime = 0;
  for (let m = 1; m <= 12; m++) {
    const ny = m === 12 ? year + 1 : year;
    const nm = m === 12 ? 1 : m + 1;
    const due = dayOf(ny, nm, 5);
    const x = r.float();
    const outcome = x < missP ? 'missing' : x < missP + lateP ? 'late' : 'on_time';
    if (outcome === 'missing') continue;
    let t: number;
    let text: string;
    if (outcome === 'on_time') {
      onTime++;
      const y = r.float();
      if (y < 0.03) {
        t = Date.UTC(ny, nm - 1, 4, r.int(17, 22), r.int(0, 59));
        text = fmtUtc(t);
      } else if (y < 0.05) {
        t = at(due, 23, r.int(0, 59));
        text = fmtLocal(t);
      } else if (y < 0.25) {
        t = at(dayOf(year, m, daysInMonth(year, m) - r.int(0, 2)), r.int(14, 17), r.int(0, 59));
        text = fmtLocal(t);
      } else {
        t = at(due - r.int(0, 4), r.int(7, 17), r.int(0, 59));
        text = fmtLocal(t);
      }
    } else if (r.chance(0.15)) {
      t = Date.UTC(ny, nm - 1, 5, r.int(17, 23), r.int(0, 59));
      text = fmtUtc(t);
    } else {
      const y = r.float();
      const days = y < 0.6 ? r.int(1, 7) : y < 0.9 ? r.int(8, 20) : r.int(21, 45);
      t = at(due + days, r.int(7, 17), r.int(0, 59));
      text = fmtLocal(t);
    }
    sink.emit('MonthlyReportSubmitted', SOURCES.reports, t, { unitId: u.id, year, month: m, submittedAt: text });
    // A corrected report sent again a few days later: only the earliest counts.
    if (r.chance(0.02)) {
      const t2 = t + r.int(1, 10) * DAY_MS + r.int(0, 120) * MINUTE_MS;
      sink.emit('MonthlyReportSubmitted', SOURCES.reports, t2, { unitId: u.id, year, month: m, submittedAt: fmtLocal(t2) });
    }
  }
  return onTime;
}

/** A unit that is dissolved or merged away during the year reports its last months, then stops. */
export function endingUnitReports(ctx: YearCtx, u: SampleUnit): void {
  const end = ctx.d.endDay.get(u.id)!;
  const r = new Rand(ctx.cfg.seed, `${ctx.d.copy}|u|${ctx.year}|${u.key}`);
  for (let m = 1; m <= 12; m++) {
    const last = dayOf(ctx.year, m, daysInMonth(ctx.year, m));
    if (last >= end) break;
    const due = m === 12 ? dayOf(ctx.year + 1, 1, 5) : dayOf(ctx.year, m + 1, 5);
    const t = workTime(r, last - 4, Math.min(due, end - 1));
    ctx.sink.emit('MonthlyReportSubmitted', SOURCES.reports, t, { unitId: u.id, year: ctx.year, month: m, submittedAt: fmtLocal(t) });
  }
}

const CASE_CODE: Record<CaseCategory, string> = { complaint: 'KN', denunciation: 'TC', petition: 'PAKN' };

/** Complaints, denunciations and petitions received in the year, and their resolutions. Returns A4. */
export function cases(ctx: YearCtx, r: Rand, u: SampleUnit, band: Band): number {
  const { year, sink } = ctx;
  const count =
    u.kind === 'commune_party'
      ? r.weighted([[0, 1], [1, 2], [2, 3], [3, 3], [4, 2], [5, 1], [6, 1]] as const)
      : r.weighted([[0, 5], [1, 3], [2, 2], [3, 1]] as const);
  const q = quality(ctx.cfg.seed, ctx.d, u);
  let onTime = 0;
  for (let k = 1; k <= count; k++) {
    const category = r.weighted([['complaint', 50], ['petition', 35], ['denunciation', 15]] as const);
    const limit = category === 'petition' ? 15 : 30;
    const caseId = `${String(k).padStart(2, '0')}/${year}/${CASE_CODE[category]}`;
    const received = workTime(r, dayOf(year, 1, 5), dayOf(year, 12, 20));
    const rday = localDayOf(received);
    sink.emit('ComplaintReceived', SOURCES.complaints, received, { unitId: u.id, caseId, category, receivedAt: fmtLocal(received) });
    const inTime = band === 'top' || r.chance(band === 'normal' ? 0.6 + 0.35 * q : 0.93);
    if (inTime) {
      onTime++;
      // Now and then on the last allowed day, late in the evening: still on time.
      const edge = r.chance(0.08);
      const t = edge ? at(rday + limit, 22, r.int(0, 59)) : workTime(r, rday + 1, rday + limit);
      sink.emit('ComplaintResolved', SOURCES.complaints, t, { unitId: u.id, caseId, resolvedAt: edge ? fmtUtc(t) : fmtLocal(t) });
    } else if (r.chance(0.65)) {
      const days = r.chance(0.15) ? limit + 1 : limit + r.int(2, 40);
      const t = workTime(r, rday + days, rday + days);
      sink.emit('ComplaintResolved', SOURCES.complaints, t, { unitId: u.id, caseId, resolvedAt: fmtLocal(t) });
    }
  }
  return count === 0 ? CASES_MAX_H : roundHalfUp(CASES_MAX_H * onTime, count);
}

/** Direct dialogues with the people, often in October ("Tháng Dân vận"). Returns A5. */
export function dialogues(ctx: YearCtx, r: Rand, u: SampleUnit, band: Band): number {
  const { year, sink } = ctx;
  const count =
    band === 'top'
      ? r.int(2, 4)
      : band === 'high'
        ? r.weighted([[1, 1], [2, 3], [3, 3], [4, 2]] as const)
        : r.weighted([[0, 2], [1, 3], [2, 3], [3, 2], [4, 1]] as const);
  for (let k = 0; k < count; k++) {
    const month = r.chance(0.4) ? 10 : r.int(1, 12);
    const t = workTime(r, dayOf(year, month, 5), dayOf(year, month, 28));
    const participants = u.kind === 'commune_party' ? r.int(40, 250) : r.int(15, 80);
    sink.emit('DialogueHeld', SOURCES.reports, t, { unitId: u.id, heldAt: fmtLocal(t), participants });
  }
  return count >= 2 ? 500 : count === 1 ? 250 : 0;
}

/** Registrations and revocations of models during the year, for every unit (villages too). */
export function modelEvents(ctx: YearCtx): void {
  const { year, sink } = ctx;
  for (const u of ctx.d.units) {
    for (const m of ctx.history.get(u.id)!) {
      if (m.year === year)
        sink.emit('ModelRegistered', SOURCES.banDanVan, m.registeredAt, {
          unitId: u.id,
          modelId: m.id,
          title: m.title,
          field: m.field,
          registeredAt: fmtLocal(m.registeredAt),
        });
      if (m.revokedYear === year && m.revokedAt !== null)
        sink.emit('ModelRevoked', SOURCES.banDanVan, m.revokedAt, { unitId: u.id, modelId: m.id, revokedAt: fmtLocal(m.revokedAt), reason: m.revokeReason! });
    }
  }
}

/** The scenario's registry changes dated in this year. */
export function registryChanges(ctx: YearCtx): void {
  const { year, sink } = ctx;
  for (const c of ctx.d.changes) {
    const day = c.day;
    if (yearOf(day) !== year) continue;
    const effectiveFrom = fmtDay(day);
    switch (c.type) {
      case 'dissolve':
        sink.emit('UnitDissolved', SOURCES.registry, at(day - 4, 9), { unitId: c.unit.id, effectiveFrom });
        break;
      case 'merge':
        sink.emit('UnitsMerged', SOURCES.registry, at(day - 6, 9, c.target.kind === 'commune_party' ? 0 : 5), {
          unitId: c.target.id,
          sourceUnitIds: [c.source.id],
          effectiveFrom,
        });
        break;
      case 'rename':
        sink.emit('UnitRenamed', SOURCES.registry, at(day - 6, 10, c.unit.index % 60), { unitId: c.unit.id, name: c.name, effectiveFrom });
        break;
    }
  }
}

const LAND_AGENCIES: readonly string[] = ['cq-phong-tn-mt', 'cq-tt-quy-dat', 'cq-ban-qlda', 'cq-phong-kt-ht'];

export interface HotspotPlan {
  unit: SampleUnit;
  id: string;
  reportedAt: number;
  /** Written in UTC: a report just after local midnight on 1 January, still the previous day in UTC. */
  utc: boolean;
}

export function planHotspots(ctx: YearCtx, yr: Rand, scored: SampleUnit[]): HotspotPlan[] {
  const count = yr.int(1, 3);
  const out: HotspotPlan[] = [];
  const taken = new Set<string>();
  for (let k = 1; k <= count; k++) {
    const kind = yr.weighted([['commune_party', 75], ['agency', 15], ['mobilization_team', 10]] as const);
    // Agencies meet hotspots over land: those that take, value or allocate it.
    const pool = scored.filter((u) => u.kind === kind && !taken.has(u.id) && (kind !== 'agency' || LAND_AGENCIES.includes(u.key)));
    const unit = yr.pick(pool.length > 0 ? pool : scored.filter((u) => u.kind === 'commune_party' && !taken.has(u.id)));
    taken.add(unit.id);
    // In the second year, the first hotspot is reported at 00:30 on 1 January local time.
    const edge = ctx.index === 1 && k === 1;
    const reportedAt = edge ? Date.UTC(ctx.year - 1, 11, 31, 17, 30) : workTime(yr, dayOf(ctx.year, 2, 1), dayOf(ctx.year, 11, 30));
    out.push({ unit, id: `dn-${ctx.year}-${String(k).padStart(2, '0')}`, reportedAt, utc: edge });
  }
  return out;
}

export function vetoEvents(ctx: YearCtx, yr: Rand, hotspots: HotspotPlan[], disciplined: SampleUnit[]): void {
  const { year, sink } = ctx;
  for (const h of hotspots) {
    sink.emit('HotspotReported', SOURCES.banDanVan, h.reportedAt, {
      unitId: h.unit.id,
      hotspotId: h.id,
      reportedAt: h.utc ? fmtUtc(h.reportedAt) : fmtLocal(h.reportedAt),
      summary: yr.pick(h.unit.kind === 'agency' ? HOTSPOT_SUMMARIES.slice(0, 2) : h.unit.kind === 'mobilization_team' ? HOTSPOT_SUMMARIES.slice(2) : HOTSPOT_SUMMARIES),
    });
    if (yr.chance(0.75)) {
      const t = workTime(yr, localDayOf(h.reportedAt) + 15, localDayOf(h.reportedAt) + 100);
      sink.emit('HotspotResolved', SOURCES.banDanVan, t, { unitId: h.unit.id, hotspotId: h.id, resolvedAt: fmtLocal(t) });
    }
  }
  for (const u of disciplined) {
    const t = workTime(yr, dayOf(year, 7, 1), dayOf(year, 12, 20));
    sink.emit('DisciplineImposed', SOURCES.inspection, t, {
      unitId: u.id,
      year,
      subject: yr.chance(0.7) ? 'head' : 'unit',
      severity: yr.weighted([['reprimand', 70], ['warning', 25], ['dismissal', 5]] as const),
    });
  }
}

/** A contest year's prizes: 1 first, 2 second, 3 third, 4 encouragement; one unit wins two. */
export function planPrizes(yr: Rand, groupA: SampleUnit[], bands: Map<string, Band>): Map<string, Prize[]> {
  const order: Prize[] = ['first', 'second', 'second', 'third', 'third', 'third', 'encouragement', 'encouragement', 'encouragement', 'encouragement'];
  const weight = (u: SampleUnit) => ({ top: 6, high: 3 })[bands.get(u.id) as 'top' | 'high'] ?? 1;
  const pool = [...groupA];
  const out = new Map<string, Prize[]>();
  for (const prize of order) {
    const u = yr.weighted(pool.map((x) => [x.index, weight(x)] as const));
    const i = pool.findIndex((x) => x.index === u);
    const winner = pool.splice(i, 1)[0]!;
    out.set(winner.id, [prize]);
  }
  // One winner also takes an encouragement prize in another category: the highest counts.
  const winners = [...out.keys()];
  const twice = winners[yr.int(0, Math.min(winners.length, 6) - 1)]!;
  out.get(twice)!.push('encouragement');
  return out;
}

