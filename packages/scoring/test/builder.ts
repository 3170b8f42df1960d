import { streamOf, type Envelope, type EventType, type EventData, type RecordedEvent, type UnitKind } from '@dvk/contracts';
import { evaluateYear, evolve, initialState, buildContext, rejectedFacts, defaultRulebook, yearReport, type Rulebook, type ScoringState } from '../src/index.js';

/**
 * A tiny DSL for worked examples: each call appends one event to an in-memory log, in order,
 * with deterministic ids (e-1, e-2, … as UUIDs) and positions 1, 2, ….
 */
export class History {
  readonly events: RecordedEvent[] = [];
  private revs = new Map<string, number>();
  private n = 0;

  private add<T extends EventType>(type: T, data: EventData<T>): string {
    this.n++;
    const id = `00000000-0000-4000-8000-${String(this.n).padStart(12, '0')}`;
    const event = { id, type, schemaVersion: 1, source: 'test', occurredAt: '2020-01-01T00:00:00+07:00', data } as Envelope;
    const stream = streamOf(event);
    const rev = this.revs.get(stream) ?? 0;
    this.revs.set(stream, rev + 1);
    this.events.push({ position: this.events.length + 1, stream, revision: rev, event });
    return id;
  }

  register(unitId: string, kind: UnitKind, opts: { name?: string; from?: string; parentId?: string } = {}) {
    return this.add('UnitRegistered', { unitId, kind, name: opts.name ?? `Đơn vị ${unitId}`, effectiveFrom: opts.from ?? '2016-01-01', ...(opts.parentId ? { parentId: opts.parentId } : {}) });
  }
  rename(unitId: string, name: string, from: string) {
    return this.add('UnitRenamed', { unitId, name, effectiveFrom: from });
  }
  merge(target: string, sources: string[], from: string) {
    return this.add('UnitsMerged', { unitId: target, sourceUnitIds: sources, effectiveFrom: from });
  }
  dissolve(unitId: string, from: string) {
    return this.add('UnitDissolved', { unitId, effectiveFrom: from });
  }
  assess(unitId: string, year: number, criterionId: string, points: number, role: 'self' | 'official' = 'official') {
    return this.add('CriterionAssessed', { unitId, year, criterionId, points, role, assessorId: role === 'self' ? unitId : 'ban-dan-van' });
  }
  retract(unitId: string, assessmentEventId: string) {
    return this.add('AssessmentRetracted', { unitId, assessmentEventId, reason: 'sửa sai' });
  }
  report(unitId: string, year: number, month: number, submittedAt: string) {
    return this.add('MonthlyReportSubmitted', { unitId, year, month, submittedAt });
  }
  /** Twelve monthly reports of a year, each on the 1st of the next month (on time). */
  allReports(unitId: string, year: number) {
    for (let m = 1; m <= 12; m++) {
      const y = m === 12 ? year + 1 : year;
      const mm = m === 12 ? 1 : m + 1;
      this.report(unitId, year, m, `${y}-${String(mm).padStart(2, '0')}-01T09:00:00+07:00`);
    }
  }
  complaint(unitId: string, caseId: string, category: 'complaint' | 'denunciation' | 'petition', receivedAt: string) {
    return this.add('ComplaintReceived', { unitId, caseId, category, receivedAt });
  }
  resolve(unitId: string, caseId: string, resolvedAt: string) {
    return this.add('ComplaintResolved', { unitId, caseId, resolvedAt });
  }
  hotspot(unitId: string, hotspotId: string, reportedAt: string) {
    return this.add('HotspotReported', { unitId, hotspotId, reportedAt, summary: 'Tranh chấp' });
  }
  hotspotResolved(unitId: string, hotspotId: string, resolvedAt: string) {
    return this.add('HotspotResolved', { unitId, hotspotId, resolvedAt });
  }
  dialogue(unitId: string, heldAt: string) {
    return this.add('DialogueHeld', { unitId, heldAt, participants: 50 });
  }
  model(unitId: string, modelId: string, registeredAt = '2016-03-01T08:00:00+07:00') {
    return this.add('ModelRegistered', { unitId, modelId, title: `Mô hình ${modelId}`, field: 'environment', registeredAt });
  }
  recognize(unitId: string, modelId: string, year: number, level: 'commune' | 'district' | 'province') {
    return this.add('ModelRecognized', { unitId, modelId, year, level });
  }
  revoke(unitId: string, modelId: string, revokedAt: string) {
    return this.add('ModelRevoked', { unitId, modelId, revokedAt, reason: 'Không duy trì' });
  }
  prize(unitId: string, year: number, prize: 'first' | 'second' | 'third' | 'encouragement') {
    return this.add('ContestPrizeAwarded', { unitId, year, prize });
  }
  discipline(unitId: string, year: number) {
    return this.add('DisciplineImposed', { unitId, year, subject: 'head', severity: 'reprimand' });
  }
  close(year: number) {
    return this.add('YearClosed', { year, closedAt: `${year + 1}-01-20T08:00:00+07:00` });
  }

  /**
   * A group A scoresheet summing to `total` with no case, no dialogue and no model unless given:
   * A1, A2, A7 assessed; A3 all 12 reports on time (10); A4 max (15, no case); A5, A6 as given.
   */
  groupA(unitId: string, year: number, assessed: { A1: number; A2: number; A7: number }) {
    this.assess(unitId, year, 'A1', assessed.A1);
    this.assess(unitId, year, 'A2', assessed.A2);
    this.assess(unitId, year, 'A7', assessed.A7);
    this.allReports(unitId, year);
  }

  state(): ScoringState {
    const s = initialState();
    for (const e of this.events) evolve(s, e);
    return s;
  }
  evaluate(year: number, rb: Rulebook = defaultRulebook()) {
    const s = this.state();
    return evaluateYear(s, rb, year, buildContext(s));
  }
  yearReport(year: number, rb: Rulebook = defaultRulebook()) {
    return yearReport(this.evaluate(year, rb));
  }
  rejected(rb: Rulebook = defaultRulebook()) {
    const s = this.state();
    return rejectedFacts(buildContext(s), () => rb);
  }
  idAt(position: number): string {
    return this.events[position - 1]!.event.id;
  }
}
