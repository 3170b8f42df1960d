import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import * as E from 'fp-ts/lib/Either.js';
import { RankingMessage, canonicalJson, digestOf, type RankList, type RankingStatus } from '@dvk/contracts';
import type { DigestState } from '@dvk/audit';
import { logDigest, type EventStore, type StoreError } from '@dvk/event-store';
import { ensureReadModel, readModelQueries, replayState } from '@dvk/projections';
import { buildContext, evaluateYear, initialState, rankingContent, type RulebookSet } from '@dvk/scoring';

/**
 * The ranking publisher (issue 4): whenever the content of a (year, list) ranking changes, it
 * publishes a new version — status `provisional` before the year's YearClosed, `final` when the
 * content is what it was at the close, `revised` when later events changed it; a close that
 * changes no figure still publishes the provisional ranking again as `final` — carrying the log
 * position it reflects, the log digest there, the rulebook and the digest of its content.
 *
 * Versions are written to `rm_published` first (the outbox, never rewritten: every version stays
 * retrievable), then delivered to Kafka (key `<year>/<list>`, so a compacted topic keeps the
 * latest); undelivered versions are retried on the next round.
 */

export interface Producer {
  send(topic: string, messages: { key: string; value: string; headers?: Record<string, string> }[]): Promise<void>;
}

export interface PublisherOptions {
  /** The read model's database. */
  db: Database.Database;
  store: EventStore;
  rulebooks: RulebookSet;
  log: Logger;
  producer?: Producer | null;
  topic?: string;
  now?: () => string;
}

export const RANKINGS_TOPIC = 'dvk.rankings';

export class RankingPublisher {
  private readonly queries;
  private readonly q;
  private readonly log: Logger;
  private readonly now: () => string;
  private readonly topic: string;
  private running: Promise<RankingMessage[]> | null = null;
  private again = false;

  constructor(private readonly o: PublisherOptions) {
    ensureReadModel(o.db);
    this.queries = readModelQueries(o.db);
    this.log = o.log.child({ component: 'ranking-publisher' });
    this.now = o.now ?? (() => new Date().toISOString());
    this.topic = o.topic ?? RANKINGS_TOPIC;
    const db = o.db;
    this.q = {
      digestState: db.prepare<[string], { state: string }>('SELECT state FROM rm_digest_state WHERE name = ?'),
      putDigestState: db.prepare('INSERT INTO rm_digest_state(name, state) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET state = excluded.state'),
      closeDigest: db.prepare<[number, string, string], { digest: string; position: number }>(
        'SELECT digest, position FROM rm_close_digests WHERE year = ? AND list = ? AND rulebooks = ?',
      ),
      putCloseDigest: db.prepare('INSERT OR REPLACE INTO rm_close_digests(year, list, rulebooks, position, digest) VALUES (?, ?, ?, ?, ?)'),
      insert: db.prepare(
        'INSERT INTO rm_published(year, list, version, status, position, content_digest, message, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      undelivered: db.prepare<[], { year: number; list: string; version: number; message: string }>(
        'SELECT year, list, version, message FROM rm_published WHERE delivered_at IS NULL ORDER BY published_at, year, list, version',
      ),
      delivered: db.prepare('UPDATE rm_published SET delivered_at = ? WHERE year = ? AND list = ? AND version = ?'),
    };
  }

  /**
   * Publishes every ranking whose content changed since its last version, then delivers the
   * outbox. Calls that arrive while a round runs are folded into one more round.
   */
  async publish(): Promise<RankingMessage[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const out: RankingMessage[] = [];
      do {
        this.again = false;
        const r = await this.round();
        if (E.isLeft(r)) {
          this.log.warn({ err: r.left.message }, 'publishing failed; will retry');
          break;
        }
        out.push(...r.right);
      } while (this.again);
      await this.deliver();
      return out;
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<E.Either<StoreError, RankingMessage[]>> {
    const cp = this.queries.checkpoint();
    if (!cp) return E.right([]);
    const position = cp.position;
    const years = new Map(this.queries.years().map((y) => [y.year, y]));
    /** The position of the year's close, when the read model has reached it; else null. */
    const closedAt = (year: number): number | null => {
      const c = years.get(year)?.closedPosition;
      return c != null && c <= position ? c : null;
    };
    // A new version when the content changed, and also when the year was closed since a
    // provisional version: the close alone changes no figure, but consumers must learn that the
    // ranking is now final (or, if it changed at or after the close, revised).
    const changed = this.queries.rankingDigests().filter((r) => {
      const latest = this.queries.latestPublished(r.year, r.list)?.message;
      return latest?.contentDigest !== r.digest || (latest.status === 'provisional' && closedAt(r.year) !== null);
    });
    if (changed.length === 0) return E.right([]);

    const saved = this.q.digestState.get('log');
    const d = await logDigest(this.o.store, { upTo: position, from: saved ? (JSON.parse(saved.state) as DigestState) : undefined });
    if (E.isLeft(d)) return d;
    this.q.putDigestState.run('log', JSON.stringify(d.right.state));

    const closes = await this.closeDigests(
      changed.flatMap((r) => {
        const c = closedAt(r.year);
        return c === null ? [] : [{ year: r.year, position: c }];
      }),
    );
    if (E.isLeft(closes)) return closes;

    const published: RankingMessage[] = [];
    const tx = this.o.db.transaction(() => {
      for (const r of changed) {
        const content = this.queries.rankingContent(r.year, r.list)!;
        const status: RankingStatus = closedAt(r.year) === null ? 'provisional' : closes.right.get(`${r.year}/${r.list}`) === r.digest ? 'final' : 'revised';
        const previous = this.queries.latestPublished(r.year, r.list);
        const message = RankingMessage.parse({
          schema: 'dvk.ranking/1',
          year: r.year,
          list: r.list,
          status,
          version: (previous?.message.version ?? 0) + 1,
          position,
          logDigest: d.right.digest,
          rulebook: content.content.rulebook,
          contentDigest: r.digest,
          content: content.content,
        });
        this.q.insert.run(r.year, r.list, message.version, status, position, r.digest, canonicalJson(message), this.now());
        published.push(message);
      }
    });
    tx.immediate();
    for (const m of published) this.log.info({ year: m.year, list: m.list, version: m.version, status: m.status, position: m.position }, 'ranking published');
    return E.right(published);
  }

  /**
   * Ranking content digests as of each year's close: one replay of the log, evaluated at each
   * close position in turn, cached per rulebook set.
   */
  private async closeDigests(closes: { year: number; position: number }[]): Promise<E.Either<StoreError, Map<string, string>>> {
    const out = new Map<string, string>();
    const todo: { year: number; position: number }[] = [];
    const lists = (year: number) => this.o.rulebooks.forYear(year).lists.map((l) => l.id as RankList);
    for (const c of closes) {
      let complete = true;
      for (const list of lists(c.year)) {
        const row = this.q.closeDigest.get(c.year, list, this.o.rulebooks.hash);
        if (row && row.position === c.position) out.set(`${c.year}/${list}`, row.digest);
        else complete = false;
      }
      if (!complete && !todo.some((t) => t.year === c.year)) todo.push(c);
    }
    if (todo.length === 0) return E.right(out);
    todo.sort((a, b) => a.position - b.position);
    const state = initialState();
    for (const c of todo) {
      const r = await replayState(this.o.store, { upTo: c.position, into: state });
      if (E.isLeft(r)) return r;
      const rb = this.o.rulebooks.forYear(c.year);
      const ev = evaluateYear(state, rb, c.year, buildContext(state));
      for (const list of lists(c.year)) {
        const digest = digestOf(rankingContent(ev, list));
        this.q.putCloseDigest.run(c.year, list, this.o.rulebooks.hash, c.position, digest);
        out.set(`${c.year}/${list}`, digest);
      }
    }
    return E.right(out);
  }

  /** Sends undelivered versions to Kafka in order; stops at the first failure (retried next round). */
  async deliver(): Promise<number> {
    if (!this.o.producer) return 0;
    let n = 0;
    for (const row of this.q.undelivered.all()) {
      try {
        await this.o.producer.send(this.topic, [{ key: `${row.year}/${row.list}`, value: row.message, headers: { 'dvk-schema': 'dvk.ranking/1' } }]);
        this.q.delivered.run(this.now(), row.year, row.list, row.version);
        n++;
      } catch (err) {
        this.log.warn({ err: (err as Error).message, year: row.year, list: row.list }, 'delivering a ranking to Kafka failed; will retry');
        break;
      }
    }
    return n;
  }
}
