import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, digestOf, type RankingContent, type RankingMessage } from '@dvk/contracts';
import { logDigest, type EventStore } from '@dvk/event-store';
import { buildContext, evaluateYear, rankingContent, type Rulebook } from '@dvk/scoring';
import { replayState } from './runner.js';

/**
 * `dvk audit check` (issue 6): a published ranking says "this content follows from the log up to
 * this position under this rulebook". Check it without trusting anyone: recompute the content's
 * digest, the log digest at the position, and the content itself by replaying the log there.
 */
export interface AuditCheck {
  ok: boolean;
  year: number;
  list: string;
  version: number;
  position: number;
  checks: { name: string; ok: boolean; detail: string }[];
  differences: string[];
}

/** Replays the log to a published ranking's position under its rulebook and compares everything. */
export async function auditCheck(store: EventStore, message: RankingMessage, rulebooks: readonly Rulebook[]): Promise<AuditCheck> {
  const checks: AuditCheck['checks'] = [];
  const differences: string[] = [];
  const rb = rulebooks.find((r) => r.ref.hash === message.rulebook.hash);
  const contentDigestOk = digestOf(message.content) === message.contentDigest;
  checks.push({ name: 'content digest', ok: contentDigestOk, detail: contentDigestOk ? message.contentDigest : `the message's content hashes to ${digestOf(message.content)}, not ${message.contentDigest}` });
  const d = await logDigest(store, { upTo: message.position });
  if (E.isLeft(d)) throw new Error(d.left.message);
  const dOk = canonicalJson(d.right.digest) === canonicalJson(message.logDigest);
  checks.push({
    name: 'log digest',
    ok: dOk,
    detail: dOk ? `${message.logDigest.root} at position ${message.position}` : `the log up to ${message.position} gives ${canonicalJson(d.right.digest)}, the message says ${canonicalJson(message.logDigest)}`,
  });
  if (!rb) {
    checks.push({ name: 'rulebook', ok: false, detail: `no known rulebook has hash ${message.rulebook.hash} (give its file with --rulebook)` });
  } else {
    checks.push({ name: 'rulebook', ok: true, detail: `${rb.ref.id} v${rb.ref.version} ${rb.ref.hash}` });
    const s = await replayState(store, { upTo: message.position });
    if (E.isLeft(s)) throw new Error(s.left.message);
    const content = rankingContent(evaluateYear(s.right, rb, message.year, buildContext(s.right)), message.list);
    const same = canonicalJson(content) === canonicalJson(message.content);
    checks.push({ name: 'replayed content', ok: same, detail: same ? `byte-identical (${content.entries.length} ranked, ${content.unrated.length} not rated)` : 'differs from the published content' });
    if (!same) differences.push(...diffContent(message.content, content));
  }
  return { ok: checks.every((c) => c.ok), year: message.year, list: message.list, version: message.version, position: message.position, checks, differences };
}

function diffContent(published: RankingContent, replayed: RankingContent): string[] {
  const out: string[] = [];
  const a = new Map(published.entries.map((e) => [e.unitId, e]));
  const b = new Map(replayed.entries.map((e) => [e.unitId, e]));
  for (const [id, x] of a) {
    const y = b.get(id);
    if (!y) {
      out.push(`${id}: published at rank ${x.rank}, not ranked on replay`);
      continue;
    }
    const fields = (['rank', 'total', 'tier', 'bonus'] as const).filter((f) => x[f] !== y[f]).map((f) => `${f} ${x[f]} → ${y[f]}`);
    if (canonicalJson(x.titles) !== canonicalJson(y.titles)) fields.push(`titles ${x.titles.join('+') || '—'} → ${y.titles.join('+') || '—'}`);
    if (canonicalJson(x.vetoes) !== canonicalJson(y.vetoes)) fields.push(`vetoes ${x.vetoes.join('+') || '—'} → ${y.vetoes.join('+') || '—'}`);
    for (const k of new Set([...Object.keys(x.criteria), ...Object.keys(y.criteria)]))
      if (x.criteria[k] !== y.criteria[k]) fields.push(`${k} ${x.criteria[k]} → ${y.criteria[k]}`);
    if (x.name !== y.name) fields.push(`name "${x.name}" → "${y.name}"`);
    if (fields.length) out.push(`${id}: ${fields.join(', ')}`);
  }
  for (const [id, y] of b) if (!a.has(id)) out.push(`${id}: not in the published ranking, rank ${y.rank} on replay`);
  if (canonicalJson(published.unrated) !== canonicalJson(replayed.unrated)) out.push(`units not rated: ${published.unrated.map((u) => u.unitId).join(', ') || '—'} → ${replayed.unrated.map((u) => u.unitId).join(', ') || '—'}`);
  if (canonicalJson(published.rulebook) !== canonicalJson(replayed.rulebook)) out.push('rulebook reference differs');
  return out;
}

