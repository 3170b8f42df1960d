import { parseEnvelopeText, streamOf, type Envelope } from '@dvk/contracts';
import { buildContext, defaultRulebook, evolve, initialState, type Context, type ScoringState } from '@dvk/scoring';
import { generateLines, type GenerateOptions } from '../src/index.js';

/** The generated lines, parsed: what an import would append and what it would dead-letter. */
export interface Parsed {
  lines: string[];
  events: Envelope[];
  /** Lines that fail the schema, with the validation message. */
  failures: { index: number; line: string; message: string }[];
}

export function parseAll(opts: GenerateOptions): Parsed {
  const lines = [...generateLines(opts)];
  const events: Envelope[] = [];
  const failures: Parsed['failures'] = [];
  lines.forEach((line, index) => {
    const r = parseEnvelopeText(line);
    // An fp-ts Either, read by its tag (this package does not depend on fp-ts itself).
    if (r._tag === 'Right') events.push(r.right);
    else failures.push({ index, line, message: r.left.message });
  });
  return { lines, events, failures };
}

/**
 * Folds events through the scoring core as the log would hold them: positions 1..n in file order,
 * stream = streamOf(envelope), revisions counted per stream.
 */
export function foldAll(events: readonly Envelope[]): { state: ScoringState; ctx: Context } {
  const state = initialState();
  const revisions = new Map<string, number>();
  events.forEach((event, i) => {
    const stream = streamOf(event);
    const revision = revisions.get(stream) ?? 0;
    revisions.set(stream, revision + 1);
    evolve(state, { position: i + 1, stream, revision, event });
  });
  return { state, ctx: buildContext(state) };
}

export const rulebook = defaultRulebook();
