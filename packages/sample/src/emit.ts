import type { EventData, EventType } from '@dvk/contracts';
import type { Rand } from './rng.js';
import { fmtLocal } from './time.js';

/**
 * Envelopes as NDJSON lines. A line is written when its event is made (with its id, drawn from
 * the id stream of its block), and kept with its instant so that a block can be put in
 * chronological order before it is streamed out.
 */

/** The upstream systems the sample speaks for, and what each of them emits. */
export const SOURCES = {
  /** The Ban Tổ chức Huyện ủy keeps the registry of units. */
  registry: 'ban-to-chuc-huyen-uy',
  /** The Ban Dân vận: assessments, models, contests, hotspots, closing the year. */
  banDanVan: 'ban-dan-van',
  /** Commune and agency offices: monthly reports and dialogues. */
  reports: 'bao-cao-co-so',
  /** The district's citizen-reception and complaint system. */
  complaints: 'tiep-cong-dan',
  /** The Ủy ban Kiểm tra Huyện ủy: discipline. */
  inspection: 'ubkt-huyen-uy',
} as const;

export interface Line {
  /** Instant of occurredAt (epoch ms): the sort key. */
  readonly t: number;
  readonly text: string;
}

export class LineSink {
  readonly lines: Line[] = [];
  constructor(private readonly ids: Rand) {}

  /** A fresh event id. */
  id(): string {
    return this.ids.uuid();
  }

  /** Writes a well-formed event and returns its id. Key order is fixed: output is byte-stable. */
  emit<T extends EventType>(type: T, source: string, t: number, data: EventData<T>): string {
    const id = this.ids.uuid();
    this.lines.push({ t, text: JSON.stringify({ id, type, schemaVersion: 1, source, occurredAt: fmtLocal(t), data }) });
    return id;
  }

  /** Writes any JSON object (for intended bad events) as one line. */
  emitObject(t: number, obj: Record<string, unknown>): void {
    this.lines.push({ t, text: JSON.stringify(obj) });
  }

  /** Writes raw text as one line (for the line that is not JSON). */
  emitRaw(t: number, text: string): void {
    this.lines.push({ t, text });
  }
}

/** Sorts lines by instant; equal instants keep the order they were made in (a stable sort). */
export function chronological(lines: Line[]): Line[] {
  return lines.sort((a, b) => a.t - b.t);
}
