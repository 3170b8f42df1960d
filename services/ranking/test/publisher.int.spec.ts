import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { RankingMessage, canonicalJson, type Envelope } from '@dvk/contracts';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { importStream } from '@dvk/ingestion';
import { ScoringProjection, auditCheck, catchUp, readModelQueries, replayState } from '@dvk/projections';
import { generateLines } from '@dvk/sample';
import { buildContext, defaultRulebook, evaluateYear, rankingContent, rulebookSet } from '@dvk/scoring';
import { RankingPublisher, type Producer } from '../src/index.js';

/**
 * The ranking publisher on the sample district (issue 4 and 6): one version per (year, list),
 * provisional before the close and final after; a late correction of a closed year publishes a
 * `revised` version with a new digest while the final one stays retrievable; every published
 * version passes `audit check`, and an as-of replay at an earlier publication's position
 * reproduces it byte for byte; closing a year that changes no figure publishes it again as final.
 */
const dir = mkdtempSync(join(tmpdir(), 'dvk-ranking-'));
const log = pino({ level: 'silent' });
const rulebooks = rulebookSet([defaultRulebook()]);
let store: SqliteEventStore;
let projection: ScoringProjection;
const sent: { topic: string; key: string; value: string }[] = [];
let failNext = false;
const producer: Producer = {
  async send(topic, messages) {
    if (failNext) {
      failNext = false;
      throw new Error('broker down');
    }
    for (const m of messages) sent.push({ topic, key: m.key, value: m.value });
  },
};
let publisher: RankingPublisher;

const catchUpAll = async () => {
  const r = await catchUp(store, projection);
  expect(E.isRight(r)).toBe(true);
};

beforeAll(async () => {
  store = openSqliteEventStore({ path: join(dir, 'd.sqlite'), synchronous: 'NORMAL' });
  const text = [...generateLines({ seed: 7 })].join('\n') + '\n';
  const r = await importStream(store, Readable.from([Buffer.from(text)]), { ref: 'sample.ndjson' });
  expect(E.isRight(r)).toBe(true);
  projection = new ScoringProjection({ db: store.db, rulebooks, log });
  projection.load();
  await catchUpAll();
  publisher = new RankingPublisher({ db: store.db, store, rulebooks, log, producer });
}, 120_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ranking publisher', () => {
  let first: RankingMessage[] = [];

  it('publishes one valid message per (year, list): final for closed years, provisional for the open one', async () => {
    first = await publisher.publish();
    const q = readModelQueries(store.db);
    const years = q.years();
    expect(first).toHaveLength(years.length * 4);
    for (const m of first) expect(RankingMessage.safeParse(m).success).toBe(true);
    const last = years[years.length - 1]!.year;
    // The sample has corrections arriving after some years were closed: a closed year's ranking
    // is final when its content is what it was at the close, revised otherwise. Recompute that
    // independently, by replaying the log to each close.
    for (const m of first) {
      const y = years.find((x) => x.year === m.year)!;
      if (m.year === last) {
        expect(y.closedPosition).toBeNull();
        expect(m.status).toBe('provisional');
        continue;
      }
      const s = await replayState(store, { upTo: y.closedPosition! });
      if (E.isLeft(s)) throw new Error(s.left.message);
      const atClose = rankingContent(evaluateYear(s.right, defaultRulebook(), m.year, buildContext(s.right)), m.list);
      expect(m.status).toBe(canonicalJson(atClose) === canonicalJson(m.content) ? 'final' : 'revised');
    }
    expect(first.some((m) => m.status === 'final')).toBe(true);
    expect(first.some((m) => m.status === 'revised')).toBe(true);
    expect(new Set(first.map((m) => m.position)).size).toBe(1);
    expect(sent.map((s) => s.key).sort()).toEqual(first.map((m) => `${m.year}/${m.list}`).sort());
    expect(sent.every((s) => s.topic === 'dvk.rankings')).toBe(true);
    expect(await publisher.publish()).toEqual([]); // nothing changed: nothing new
  });

  it('every published ranking passes audit check', async () => {
    for (const m of first) {
      const r = await auditCheck(store, m, rulebooks.rulebooks);
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  });

  it('a late correction of a closed year publishes a revised version; the final one stays retrievable', async () => {
    const q = readModelQueries(store.db);
    const closedYear = first.find((m) => m.status === 'final' && m.list === 'dvk_candidates')?.year ?? first.find((m) => m.status !== 'provisional')!.year;
    const ranking = q.rankingContent(closedYear, 'dvk_candidates')!.content;
    const top = ranking.entries[0]!;
    // the Ban Dân vận corrects the top unit's A1 downwards, after the year was closed
    const correction: Envelope = {
      id: '99999999-0000-4000-8000-000000000001',
      type: 'CriterionAssessed',
      schemaVersion: 1,
      source: 'ban-dan-van',
      occurredAt: `${closedYear + 2}-02-01T08:00:00+07:00`,
      data: { unitId: top.unitId, year: closedYear, criterionId: 'A1', points: 5, role: 'official', assessorId: 'ban-dan-van' },
    };
    expect(E.isRight(await store.appendMany([correction]))).toBe(true);
    await catchUpAll();
    failNext = true; // the broker is down for the first delivery: it is retried
    const revised = await publisher.publish();
    const m = revised.find((x) => x.year === closedYear && x.list === 'dvk_candidates')!;
    expect(m.status).toBe('revised');
    expect(m.version).toBe(2);
    const before = first.find((x) => x.year === closedYear && x.list === 'dvk_candidates')!;
    expect(m.contentDigest).not.toBe(before.contentDigest);
    expect(m.content.entries.find((e) => e.unitId === top.unitId)!.total).toBe(top.total - (top.criteria.A1! - 5));
    const versions = q.publishedRankings(closedYear, 'dvk_candidates');
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [1, before.status],
      [2, 'revised'],
    ]);
    expect(canonicalJson(versions[0])).toBe(canonicalJson(before));
    expect(sent.filter((s) => s.key === `${closedYear}/dvk_candidates`)).toHaveLength(1);
    await publisher.deliver();
    expect(sent.filter((s) => s.key === `${closedYear}/dvk_candidates`)).toHaveLength(2);
    expect((await auditCheck(store, m, rulebooks.rulebooks)).ok).toBe(true);
  });

  it('an as-of replay at an earlier publication reproduces it byte for byte', async () => {
    for (const m of first.slice(0, 8)) {
      const s = await replayState(store, { upTo: m.position });
      expect(E.isRight(s)).toBe(true);
      if (E.isLeft(s)) return;
      const content = rankingContent(evaluateYear(s.right, defaultRulebook(), m.year, buildContext(s.right)), m.list);
      expect(canonicalJson(content)).toBe(canonicalJson(m.content));
    }
  });

  it('audit check shows the difference for a tampered message', async () => {
    const m = structuredClone(first.find((x) => x.list === 'mass_org')!);
    m.content.entries[0]!.total = 100;
    const r = await auditCheck(store, m, rulebooks.rulebooks);
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === 'content digest')!.ok).toBe(false);
    expect(r.differences.join('\n')).toContain(`${m.content.entries[0]!.unitId}: total 100 →`);
  });

  it('closing the open year, which changes no figure, publishes its rankings again as final', async () => {
    const open = first.filter((m) => m.status === 'provisional');
    expect(open).toHaveLength(4);
    const year = open[0]!.year;
    const close: Envelope = {
      id: '99999999-0000-4000-8000-000000000002',
      type: 'YearClosed',
      schemaVersion: 1,
      source: 'ban-dan-van',
      occurredAt: `${year + 1}-01-20T08:00:00+07:00`,
      data: { year, closedAt: `${year + 1}-01-20T08:00:00+07:00` },
    };
    expect(E.isRight(await store.appendMany([close]))).toBe(true);
    await catchUpAll();
    const finals = await publisher.publish();
    expect(finals.map((m) => `${m.year}/${m.list}`).sort()).toEqual(open.map((m) => `${m.year}/${m.list}`).sort());
    for (const m of finals) {
      const before = open.find((x) => x.list === m.list)!;
      expect([m.status, m.version, m.contentDigest]).toEqual(['final', before.version + 1, before.contentDigest]);
      expect((await auditCheck(store, m, rulebooks.rulebooks)).ok).toBe(true);
    }
    expect(await publisher.publish()).toEqual([]); // final, and nothing changed since: nothing new
  });
});
