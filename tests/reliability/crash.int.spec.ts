import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashSettings, killAllChildren, Rng, type InputSpec, type PathName, type PathResult } from './harness.js';
import { startCluster, type Cluster } from './kafka.js';
import { makeReference, type Reference } from './oracle.js';
import { httpPath, importPath, kafkaPath, scoringPath } from './paths.js';
import { writeSummary } from './summary.js';

/**
 * Crash safety (issue 8): the import, the HTTP ingest, the Kafka ingest and the scoring service
 * run as child processes and are killed with SIGKILL at kill points — armed crash points
 * (`DVK_CRASH_AT`, packages/event-store/src/crash.ts: batch boundaries, inside the append and
 * projection transactions, between an append and the projection commit / the HTTP answer / the
 * Kafka offset commit) and random moments — restarted, and then held to an uninterrupted run of
 * the same input: every event sent is in the log exactly once, `dvk verify` passes, the read
 * model equals a rebuild from zero, the reports equal the uninterrupted run's byte for byte.
 *
 * This short version (CI) makes at least 100 kill points over the four paths; `pnpm test:crash`
 * (DVK_CRASH_FULL=1) at least 100 on each. The figures go to test-results/reliability/ and are
 * quoted in docs/reliability.md ("Crash safety"). DVK_CRASH_SEED replays a choice of kill points;
 * DVK_CRASH_CHILD_LOGS=1 shows the children's logs.
 */

const settings = crashSettings();
const results = new Map<PathName, PathResult>();
const refs = new Map<string, Promise<Reference>>();
const reference = (spec: InputSpec): Promise<Reference> => {
  const key = `${spec.seed}/${spec.years}`;
  let r = refs.get(key);
  if (!r) refs.set(key, (r = makeReference(spec)));
  return r;
};
let cluster: Cluster | null = null;
let kafkaSkip: string | null = null;
const t0 = Date.now();
const TIMEOUT = (settings.full ? 90 : 10) * 60_000;

beforeAll(async () => {
  process.stderr.write(`[crash] ${settings.full ? 'full' : 'short'} run, DVK_CRASH_SEED=${settings.seed}\n`);
  const c = await startCluster();
  if ('skip' in c) {
    kafkaSkip = c.skip;
    process.stderr.write(`[crash] the Kafka path is skipped: ${c.skip}\n`);
  } else cluster = c;
});

afterAll(async () => {
  await killAllChildren();
  cluster?.stop();
  for (const r of refs.values()) (await r.catch(() => null))?.cleanup();
  if (results.size) process.stderr.write(`\n[crash] ${writeSummary(settings, [...results.values()], Date.now() - t0)}\n\n`);
});

function expectSafe(r: PathResult, kills: number): void {
  results.set(r.path, r);
  expect(r.problems).toEqual([]);
  expect({ lost: r.eventsLost, doubled: r.eventsDoubled, extra: r.eventsExtra }).toEqual({ lost: 0, doubled: 0, extra: 0 });
  expect(r.deadLettersFound).toBe(r.badLinesSent);
  expect(r.kills).toBeGreaterThanOrEqual(kills);
}

// The paths are independent (own stores, topics, ports) and mostly wait on child processes: they
// run side by side.
describe.concurrent(`crash safety: SIGKILL at kill points, restart, nothing lost or doubled (${settings.full ? 'full' : 'short'})`, () => {
  it('dvk import FILE: killed and re-run until it completes', async () => {
    expectSafe(await importPath(settings, await reference(settings.import.input), new Rng(settings.seed ^ 0x1)), settings.import.kills);
  }, TIMEOUT);

  it('HTTP ingest: a client re-sends the same batch after every failure', async () => {
    expectSafe(await httpPath(settings, await reference(settings.http.input), new Rng(settings.seed ^ 0x2)), settings.http.kills);
  }, TIMEOUT);

  it('Kafka ingest: the consumer restarted until the lag is 0', async (ctx) => {
    if (!cluster) return ctx.skip(kafkaSkip ?? 'no Kafka mock cluster');
    expectSafe(await kafkaPath(settings, await reference(settings.kafka.input), new Rng(settings.seed ^ 0x3), cluster), settings.kafka.kills);
  }, TIMEOUT);

  it('scoring service: follows a store being filled, killed inside and around its commits', async () => {
    expectSafe(await scoringPath(settings, await reference(settings.scoring.input), new Rng(settings.seed ^ 0x4)), settings.scoring.kills);
  }, TIMEOUT);
});

it(settings.full ? 'made at least 100 kill points on each path' : 'made at least 100 kill points over the four paths', () => {
  const rs = [...results.values()];
  const expected = cluster ? 4 : 3;
  expect(rs).toHaveLength(expected);
  if (settings.full) for (const r of rs) expect(r.kills, r.path).toBeGreaterThanOrEqual(100);
  else expect(rs.reduce((s, r) => s + r.kills, 0)).toBeGreaterThanOrEqual(cluster ? 100 : 100 - settings.kafka.kills);
});
