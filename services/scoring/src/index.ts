import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import * as E from 'fp-ts/lib/Either.js';
import type { EventStore, Subscription } from '@dvk/event-store';
import { CheckpointMoved, ScoringProjection, catchUp, follow, rebuild, type CommitSummary } from '@dvk/projections';
import type { RulebookSet } from '@dvk/scoring';
import { Counter, Gauge, Histogram, type Registry } from '@dvk/service-kit';

/**
 * The scoring service (issue 4): runs the scoring projection continuously from the store's
 * catch-up subscription. On start it resumes from the checkpoint (or rebuilds when the rulebooks
 * changed), catches up, then follows the log live; every delivered batch is committed with the
 * checkpoint. A failure restarts the loop from the last commit, with backoff.
 */
export interface ScoringServiceOptions {
  store: EventStore;
  /** The read model's database (the store's own file in the embedded default). */
  db: Database.Database;
  rulebooks: RulebookSet;
  log: Logger;
  metrics?: Registry;
  /** Called after every commit (e.g. to let the ranking publisher run). */
  onCommit?: (c: CommitSummary) => void;
}

export interface ScoringService {
  readonly projection: ScoringProjection;
  /** null when following the log live; otherwise why not yet. */
  ready(): string | null;
  stop(): Promise<void>;
}

export async function startScoring(o: ScoringServiceOptions): Promise<ScoringService> {
  const log = o.log.child({ component: 'scoring' });
  const projection = new ScoringProjection({ db: o.db, rulebooks: o.rulebooks, log });
  const regs = o.metrics ? [o.metrics] : [];
  const commits = new Counter({ name: 'dvk_scoring_commits_total', help: 'Projection commits', registers: regs });
  const position = new Gauge({ name: 'dvk_scoring_position', help: 'Log position the read model reflects', registers: regs });
  const commitSeconds = new Histogram({
    name: 'dvk_scoring_commit_seconds',
    help: 'Time to write a batch of results with its checkpoint',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: regs,
  });
  let live = false;
  let problem: string | null = 'starting';
  let stopped = false;
  let sub: Subscription | null = null;

  const onCommit = (c: CommitSummary) => {
    commits.inc();
    position.set(c.position);
    commitSeconds.observe(c.durationMs / 1000);
    o.onCommit?.(c);
  };

  const run = async (): Promise<void> => {
    let delay = 250;
    while (!stopped) {
      const status = projection.load();
      if (status === 'rebuild-needed') {
        log.info('rebuilding the read model under the configured rulebooks');
        const r = await rebuild(o.store, projection, { onCommit });
        if (E.isLeft(r)) {
          problem = r.left.message;
          log.warn({ err: r.left.message, retryInMs: delay }, 'rebuild failed; retrying');
          await new Promise((res) => setTimeout(res, delay));
          delay = Math.min(delay * 2, 10_000);
          continue;
        }
      }
      const c = await catchUp(o.store, projection, { onCommit });
      if (E.isLeft(c)) {
        problem = `store unavailable: ${c.left.message}`;
        log.warn({ err: c.left.message, retryInMs: delay }, 'catch-up failed; retrying');
        await new Promise((res) => setTimeout(res, delay));
        delay = Math.min(delay * 2, 10_000);
        continue;
      }
      delay = 250;
      // Also when the catch-up had nothing to commit: a restarted service is not at position 0.
      position.set(projection.committedPosition);
      sub = follow(o.store, projection, { onCommit });
      live = true;
      problem = null;
      log.info({ position: projection.committedPosition }, 'following the log');
      const done = await sub.done;
      live = false;
      if (stopped) return;
      if (E.isLeft(done) && done.left._tag === 'HandlerFailed' && done.left.cause instanceof CheckpointMoved) {
        log.info({ position: done.left.cause.position }, 'another writer advanced the read model; resuming from its checkpoint');
        continue;
      }
      problem = E.isLeft(done) ? ('message' in done.left ? done.left.message : String(done.left.cause)) : 'subscription ended';
      log.error({ problem }, 'the subscription ended; restarting from the last checkpoint');
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  const loop = run();
  // Wait until the first catch-up is done, so callers see current results.
  while (!live && !stopped && problem === 'starting') await new Promise((r) => setTimeout(r, 20));
  return {
    projection,
    ready: () => (live ? null : (problem ?? 'catching up')),
    async stop() {
      stopped = true;
      await sub?.stop();
      await loop;
    },
  };
}
