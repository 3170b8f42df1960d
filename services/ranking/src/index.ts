import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { EventStore } from '@dvk/event-store';
import { readModelQueries } from '@dvk/projections';
import type { RulebookSet } from '@dvk/scoring';
import { Counter, type Registry } from '@dvk/service-kit';
import { RankingPublisher, type Producer } from './publisher.js';

export * from './publisher.js';

/**
 * The ranking service: publishes rankings whenever the read model moves. In one process with the
 * scoring service it is triggered by each commit (`trigger()`); as a process of its own it polls
 * the read model's checkpoint (shared SQLite file).
 */
export interface RankingServiceOptions {
  db: Database.Database;
  store: EventStore;
  rulebooks: RulebookSet;
  log: Logger;
  producer?: Producer | null;
  topic?: string;
  metrics?: Registry;
  /** Poll interval for a checkpoint moved by another process (ms); 0 = only `trigger()`. */
  pollMs?: number;
}

export interface RankingService {
  readonly publisher: RankingPublisher;
  /** Runs a publishing round now (coalesced with one already running). */
  trigger(): Promise<void>;
  ready(): string | null;
  stop(): Promise<void>;
}

export async function startRanking(o: RankingServiceOptions): Promise<RankingService> {
  const log = o.log.child({ component: 'ranking' });
  const publisher = new RankingPublisher({ db: o.db, store: o.store, rulebooks: o.rulebooks, log, producer: o.producer, topic: o.topic });
  const regs = o.metrics ? [o.metrics] : [];
  const published = new Counter({ name: 'dvk_rankings_published_total', help: 'Ranking versions published', labelNames: ['status'], registers: regs });
  const queries = readModelQueries(o.db);
  let lastSeen = -1;
  let problem: string | null = null;
  const trigger = async () => {
    try {
      for (const m of await publisher.publish()) published.inc({ status: m.status });
      problem = null;
    } catch (err) {
      problem = (err as Error).message;
      log.error({ err }, 'publishing rankings failed');
    }
  };
  await trigger();
  let timer: NodeJS.Timeout | null = null;
  if (o.pollMs) {
    const tick = async () => {
      const cp = queries.checkpoint()?.position ?? 0;
      if (cp !== lastSeen) {
        lastSeen = cp;
        await trigger();
      } else await publisher.deliver();
      timer = setTimeout(() => void tick(), o.pollMs);
    };
    timer = setTimeout(() => void tick(), o.pollMs);
  }
  return {
    publisher,
    trigger,
    ready: () => problem,
    async stop() {
      if (timer) clearTimeout(timer);
      await publisher.publish().catch(() => undefined);
    },
  };
}
export * from './kafka.js';
