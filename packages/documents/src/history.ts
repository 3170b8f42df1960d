import * as E from 'fp-ts/lib/Either.js';
import { unitStream } from '@dvk/contracts';
import type { EventStore, StoreError } from '@dvk/event-store';

/**
 * What an assessor has already said: for each (unit, criterion) of a year, the latest
 * `CriterionAssessed` of that assessor in that role, in stream order, and whether it was
 * retracted. The sheet importer compares every filled cell with it: the same points again is
 * "unchanged" (nothing to append), other points — or the same points after a retraction or after
 * a correction — are a new assessment whose id names the one it supersedes.
 */
export interface PriorAssessment {
  id: string;
  /** Points in hundredths. */
  pointsH: number;
  retracted: boolean;
}

export interface HistoryQuery {
  year: number;
  unitIds: readonly string[];
  assessorId: string;
  role: 'self' | 'official';
}

export type AssessmentHistory = (q: HistoryQuery) => Promise<E.Either<StoreError, ReadonlyMap<string, PriorAssessment>>>;

export const priorKey = (unitId: string, criterionId: string): string => `${unitId}\u0000${criterionId}`;

/** The history read from the units' streams (one `readStream` per unit with a filled cell). */
export function storeHistory(store: Pick<EventStore, 'readStream'>): AssessmentHistory {
  return async (q) => {
    const out = new Map<string, PriorAssessment>();
    for (const unitId of [...new Set(q.unitIds)].sort()) {
      const r = await store.readStream(unitStream(unitId));
      if (E.isLeft(r)) return r;
      const retracted = new Set<string>();
      for (const s of r.right) {
        const e = s.event;
        if (e.type === 'AssessmentRetracted') retracted.add(e.data.assessmentEventId);
        else if (e.type === 'CriterionAssessed' && e.data.year === q.year && e.data.assessorId === q.assessorId && e.data.role === q.role)
          out.set(priorKey(unitId, e.data.criterionId), { id: e.id, pointsH: Math.round(e.data.points * 100), retracted: false });
      }
      for (const [k, p] of out) if (k.startsWith(unitId + '\u0000') && retracted.has(p.id)) out.set(k, { ...p, retracted: true });
    }
    return E.right(out);
  };
}
