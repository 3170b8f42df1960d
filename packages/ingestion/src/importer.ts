import * as E from 'fp-ts/lib/Either.js';
import { parseEnvelopeText, validationError, type Envelope, type Issue } from '@dvk/contracts';
import { crashPoint, type DeadLetter, type DeadLetterChannel, type IngestOutcome, type StoreError } from '@dvk/event-store';
import type { SqliteEventStore } from '@dvk/event-store-sqlite';
import { frameLines, type Frame } from './ndjson.js';

/**
 * The bulk import pipeline behind `dvk import`, the demo and the benchmark: frames NDJSON, parses
 * and validates every line, authorises it, appends valid events in chunks (one transaction each,
 * idempotent by id, with the chunk's dead letters), and lets the caller keep the projections up
 * to date between chunks. A re-import of the same file appends nothing.
 */

/** Decides whether a source may emit an event: null when allowed, else the reason. */
export type Authorizer = (e: Envelope) => string | null;

export interface ImportOptions {
  /** Where the dead letters say the lines came from (a file name). */
  ref: string;
  channel?: DeadLetterChannel;
  /** The source on whose behalf the lines are imported (`--as-source`), or null for an operator import. */
  source?: string | null;
  authorize?: Authorizer;
  /** Lines per transaction (default 20,000). */
  chunkSize?: number;
  maxLineBytes?: number;
  onProgress?: (bytesDone: number) => void;
  /** Called after every committed chunk (e.g. to catch the projections up). */
  afterChunk?: (summary: ImportSummary) => Promise<void> | void;
}

export interface ImportSummary {
  lines: number;
  appended: number;
  duplicates: number;
  rejected: number;
  /** Rejections by reason (first issue's message, or the framing / authorisation reason). */
  rejectedByReason: Record<string, number>;
  firstPosition: number | null;
  lastPosition: number | null;
}

export type IngestStore = Pick<SqliteEventStore, 'appendMany'>;

export function emptySummary(): ImportSummary {
  return { lines: 0, appended: 0, duplicates: 0, rejected: 0, rejectedByReason: {}, firstPosition: null, lastPosition: null };
}

/** Turns one framed line into an envelope or a dead letter (schema, then authorisation). */
export function checkLine(
  f: Frame,
  o: { ref: string; channel: DeadLetterChannel; source: string | null; authorize?: Authorizer },
): { ok: Envelope } | { dead: DeadLetter } {
  const ref = `${o.ref}:${f.line}`;
  if (f.kind === 'error') return { dead: { channel: o.channel, source: o.source, ref, eventId: null, reason: f.reason, issues: [{ path: '', message: f.reason }], raw: f.raw } };
  const parsed = parseEnvelopeText(f.text);
  if (E.isLeft(parsed)) {
    return { dead: { channel: o.channel, source: o.source, ref, eventId: guessId(f.text), reason: parsed.left.message, issues: parsed.left.issues, raw: f.text } };
  }
  const e = parsed.right;
  if (o.source !== null && e.source !== o.source) {
    const issue: Issue = { path: 'source', message: `must be the authenticated source "${o.source}" (got "${e.source}")` };
    return { dead: { channel: o.channel, source: o.source, ref, eventId: e.id, reason: validationError([issue]).message, issues: [issue], raw: f.text } };
  }
  const denied = o.authorize?.(e);
  if (denied) return { dead: { channel: o.channel, source: o.source, ref, eventId: e.id, reason: denied, issues: [{ path: '', message: denied }], raw: f.text } };
  return { ok: e };
}

/** The id of an unparseable envelope, when one can be read, to help whoever fixes it. */
function guessId(text: string): string | null {
  const m = /"id"\s*:\s*"([0-9a-fA-F-]{36})"/.exec(text);
  return m ? m[1]!.toLowerCase() : null;
}

export function reasonKey(reason: string): string {
  // Group by the first issue, without the values that differ per line.
  return reason.split('; ')[0]!.replace(/\(got [^)]*\)/g, '').replace(/"[^"]*"/g, '…').slice(0, 120);
}

export function tally(summary: ImportSummary, outcomes: readonly IngestOutcome[]): void {
  for (const o of outcomes) {
    if (o.status === 'appended') {
      summary.appended++;
      summary.firstPosition ??= o.position;
      summary.lastPosition = o.position;
    } else if (o.status === 'duplicate') summary.duplicates++;
    else {
      summary.rejected++;
      const k = reasonKey(o.reason);
      summary.rejectedByReason[k] = (summary.rejectedByReason[k] ?? 0) + 1;
    }
  }
}

export async function importStream(
  store: IngestStore,
  chunks: AsyncIterable<Uint8Array>,
  opts: ImportOptions,
): Promise<E.Either<StoreError, ImportSummary>> {
  const chunkSize = opts.chunkSize ?? 20_000;
  const lineOpts = { ref: opts.ref, channel: opts.channel ?? 'file', source: opts.source ?? null, authorize: opts.authorize };
  const summary = emptySummary();
  let events: Envelope[] = [];
  let lines: Frame[] = [];
  let dead: DeadLetter[] = [];
  let bytes = 0;

  const flush = async (): Promise<E.Either<StoreError, void>> => {
    if (events.length === 0 && dead.length === 0) return E.right(undefined);
    const batchLines = lines;
    const batch = events;
    crashPoint('import.chunk');
    const r = await store.appendMany(batch, {
      deadLetters: dead,
      onConflict: (i, reason) => ({
        channel: lineOpts.channel,
        source: lineOpts.source,
        ref: `${opts.ref}:${batchLines[i]!.line}`,
        eventId: batch[i]!.id,
        reason,
        issues: [{ path: 'id', message: reason }],
        raw: (batchLines[i] as { text: string }).text,
      }),
    });
    if (E.isLeft(r)) return r;
    tally(summary, r.right);
    for (const d of dead) {
      summary.rejected++;
      const k = reasonKey(d.reason);
      summary.rejectedByReason[k] = (summary.rejectedByReason[k] ?? 0) + 1;
    }
    events = [];
    lines = [];
    dead = [];
    opts.onProgress?.(bytes);
    await opts.afterChunk?.(summary);
    return E.right(undefined);
  };

  for await (const f of frameLines(chunks, { maxLineBytes: opts.maxLineBytes })) {
    summary.lines = f.line;
    bytes += f.bytes;
    const c = checkLine(f, lineOpts);
    if ('ok' in c) {
      events.push(c.ok);
      lines.push(f);
    } else dead.push(c.dead);
    if (events.length + dead.length >= chunkSize) {
      const r = await flush();
      if (E.isLeft(r)) return r;
    }
  }
  const r = await flush();
  if (E.isLeft(r)) return r;
  return E.right(summary);
}
