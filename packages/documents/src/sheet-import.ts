import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, type Envelope, type RulebookRef } from '@dvk/contracts';
import type { DeadLetter, EventStore, IngestOutcome, StoreError } from '@dvk/event-store';
import { storeHistory } from './history.js';
import { FILE_PROBLEMS, formatAddress, readSheet, sheetRejected, type ReadSheetOptions, type SheetProblem, type SheetRejected } from './read-sheet.js';

/**
 * Importing a returned scoresheet into the store: read, then append in one transaction. Without
 * `partial`, nothing is appended unless every filled cell is valid; with it, the valid cells are
 * appended and the bad ones kept as dead letters (channel `sheet`) in the same transaction.
 * Shared by `dvk sheet import` and `POST /v1/sheets`.
 */

/** What the importer needs of a store: the SQLite adapter's bulk append (with dead letters) and stream reads. */
export interface SheetStore {
  appendMany(
    events: readonly Envelope[],
    opts?: { deadLetters?: readonly DeadLetter[]; onConflict?: (index: number, reason: string) => DeadLetter },
  ): Promise<E.Either<StoreError, IngestOutcome[]>>;
  readStream: EventStore['readStream'];
}

export interface SheetImportOptions extends Omit<ReadSheetOptions, 'history'> {
  /** Where dead letters say the cells came from (a file name, `POST /v1/sheets`). */
  ref: string;
  partial?: boolean;
  /** Check and report, append nothing. */
  dryRun?: boolean;
}

export interface SheetImportSummary {
  ref: string;
  year: number;
  rulebook: RulebookRef;
  assessorId: string;
  role: 'self' | 'official';
  /** Filled cells (valid or not). */
  filled: number;
  appended: number;
  /** Events already in the log (same id, same content). */
  duplicates: number;
  /** Cells equal to the assessor's current assessment. */
  unchanged: number;
  blank: number;
  /** Conflicting ids (never expected: ids cover the whole content). */
  conflicts: number;
  problems: SheetProblem[];
  /** Dead letters recorded (with `partial`). */
  deadLettered: number;
  dryRun: boolean;
  firstPosition: number | null;
  lastPosition: number | null;
}

export function sheetDeadLetters(problems: readonly SheetProblem[], o: { ref: string; source: string | null }): DeadLetter[] {
  return problems.map((p) => ({
    channel: 'sheet',
    source: o.source,
    ref: `${o.ref}#${formatAddress(p)}`,
    eventId: null,
    reason: `${formatAddress(p)}: ${p.reason}`,
    issues: [{ path: formatAddress(p), message: p.reason }],
    raw: canonicalJson({ sheet: p.sheet, cell: p.cell, code: p.code, unitId: p.unitId, criterionId: p.criterionId, value: p.value }),
  }));
}

export async function importSheet(store: SheetStore, file: Uint8Array, o: SheetImportOptions): Promise<E.Either<SheetRejected | StoreError, SheetImportSummary>> {
  const read = await readSheet(file, { ...o, history: storeHistory(store) });
  if (E.isLeft(read)) return read;
  const r = read.right;
  const problems = r.problems;
  const validCells = r.events.length + r.unchanged.length;
  if (problems.some((p) => FILE_PROBLEMS.has(p.code)) || (problems.length > 0 && !o.partial)) return E.left(sheetRejected(problems, validCells));

  const summary: SheetImportSummary = {
    ref: o.ref,
    year: r.meta.year,
    rulebook: r.meta.rulebook,
    assessorId: o.assessorId,
    role: o.role,
    filled: validCells + problems.length,
    appended: 0,
    duplicates: 0,
    unchanged: r.unchanged.length,
    blank: r.blank,
    conflicts: 0,
    problems,
    deadLettered: 0,
    dryRun: Boolean(o.dryRun),
    firstPosition: null,
    lastPosition: null,
  };
  if (o.dryRun || (r.events.length === 0 && problems.length === 0)) return E.right(summary);

  const events = r.events.map((x) => x.event);
  const deadLetters = sheetDeadLetters(problems, { ref: o.ref, source: o.source });
  const out = await store.appendMany(events, {
    deadLetters,
    onConflict: (i, reason) => ({
      channel: 'sheet',
      source: o.source,
      ref: `${o.ref}#${formatAddress(r.events[i]!)}`,
      eventId: events[i]!.id,
      reason,
      issues: [{ path: 'id', message: reason }],
      raw: canonicalJson(events[i]),
    }),
  });
  if (E.isLeft(out)) return out;
  summary.deadLettered = deadLetters.length;
  for (const x of out.right) {
    if (x.status === 'appended') {
      summary.appended++;
      summary.firstPosition ??= x.position;
      summary.lastPosition = x.position;
    } else if (x.status === 'duplicate') summary.duplicates++;
    else (summary.conflicts++, summary.deadLettered++);
  }
  return E.right(summary);
}
