import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { parseEnvelopeText, type Envelope } from '@dvk/contracts';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { SourceRegistry } from '@dvk/ingestion';
import { readModelQueries } from '@dvk/projections';
import { SOURCES } from '@dvk/sample';
import { ENTRY, book, freePort, newResult, repoRoot, sleep, startChild, tempDir, until, type Arm, type Child, type Exit, type KillSite, type PathResult, type Rng, type Settings } from './harness.js';
import { client, lagOf, produceLines, type Cluster } from './kafka.js';
import { checkStore, declaredSource, type Reference } from './oracle.js';

/**
 * The four paths of issue 8's crash-safety part. Each runs scenarios until it has its kill
 * points: a scenario is a fresh store, the whole input delivered through the path while the
 * process under test is killed (SIGKILL) at armed crash points or random moments and restarted,
 * then one clean run to the end, then `checkStore` against the uninterrupted reference.
 *
 * Kill points are spread over the input: each armed run picks its site from a fixed cycle and its
 * passage count `n` from the work still to do divided by the kills still to make, so that the
 * kills fall across the whole input (batch boundaries, inside transactions, between append and
 * projection / response / offset commit), not all at its start.
 */

const SITE_CYCLE = {
  import: ['store.append.tx', 'import.chunk', 'timed', 'store.appended', 'store.append.tx', 'projection.tx', 'timed', 'projection.committed'],
  http: ['store.append.tx', 'ingest.http.appended', 'timed', 'store.appended', 'projection.tx', 'store.append.tx', 'timed', 'projection.committed'],
  kafka: ['store.append.tx', 'ingest.kafka.appended', 'timed', 'store.appended', 'projection.tx', 'store.append.tx', 'timed', 'projection.committed'],
  scoring: ['projection.tx', 'projection.committed', 'timed', 'projection.tx', 'projection.committed', 'projection.tx'],
} as const satisfies Record<string, readonly KillSite[]>;

const ALL_SCOPE = { units: '*', descendants: false, kinds: '*', types: '*' } as const;

/** Registers the sample's sources (scope: everything) in a store file; returns their tokens. */
function registerSources(db: string): Record<string, string> {
  const store = openSqliteEventStore({ path: db });
  try {
    const reg = new SourceRegistry(store.db);
    return Object.fromEntries(Object.values(SOURCES).map((name) => [name, reg.add(name, ALL_SCOPE)]));
  } finally {
    void store.close();
  }
}

/** The log's head and the read model's checkpoint of a store file (read by a connection of its own). */
function progressOf(db: string): { head: number; checkpoint: number } {
  let s: ReturnType<typeof openSqliteEventStore> | null = null;
  try {
    s = openSqliteEventStore({ path: db, readonly: true });
    const head = (s.db.prepare('SELECT coalesce(max(position), 0) AS p FROM events').get() as { p: number }).p;
    const cp = s.db.prepare("SELECT position FROM rm_checkpoints WHERE name = 'scoring'").get() as { position: number } | undefined;
    return { head, checkpoint: cp?.position ?? 0 };
  } catch {
    return { head: 0, checkpoint: -1 }; // no store yet, or no read model yet
  } finally {
    void s?.close();
  }
}

async function finishScenario(r: PathResult, db: string, ref: Reference, o: { deadLetters: boolean }): Promise<void> {
  const c = await checkStore(db, ref, o);
  r.scenarios++;
  r.eventsSent += ref.ids.length;
  r.eventsLost += c.lost;
  r.eventsDoubled += c.doubled;
  r.eventsExtra += c.extra;
  if (o.deadLetters) {
    r.badLinesSent += ref.deadLetters;
    r.deadLettersFound += c.deadLetters;
  }
  for (const p of c.problems) r.problems.push(`scenario ${r.scenarios}: ${p}`);
}

const STOP_GRACE_MS = 20_000;

/**
 * SIGTERM, and SIGKILL when the child has not exited `STOP_GRACE_MS` later. A child that ignores
 * its SIGTERM loses nothing (that is what the kills show), but it is a finding: it is recorded
 * with its last log lines (test-results/reliability/shutdown-hang-*.log), not counted as a kill.
 */
async function terminate(r: PathResult, child: Child): Promise<Exit | 'hung'> {
  child.disarm(); // a timed kill still pending would otherwise land in the middle of the graceful stop
  if (child.alive()) child.signal('SIGTERM');
  let expired = false;
  const t = setTimeout(() => {
    expired = true;
    child.signal('SIGKILL');
  }, STOP_GRACE_MS);
  const exit = await child.exited;
  clearTimeout(t);
  // (A timed kill that fired just before the SIGTERM is booked as what it is, a kill point.)
  if (!expired) return exit;
  const dir = join(repoRoot, 'test-results', 'reliability');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `shutdown-hang-${r.path}-${Date.now()}.log`);
  writeFileSync(file, `${child.label} (armed: ${JSON.stringify(child.arm)}) did not exit within ${STOP_GRACE_MS} ms of SIGTERM; its last log lines:\n${child.tail()}\n`);
  r.shutdownHangs.push(`${child.label}: no exit within ${STOP_GRACE_MS / 1000} s of SIGTERM (last log line: ${child.tail().split('\n').pop()?.slice(0, 200) ?? ''}); log in ${file.slice(repoRoot.length + 1)}`);
  return 'hung';
}

/** Stops a child that is still running and books how it ended (a kill point if it died at its crash point meanwhile). */
async function stopAndBook(r: PathResult, child: Child): Promise<'killed' | 'exited' | 'hung'> {
  const exit = await terminate(r, child);
  return exit === 'hung' ? exit : book(r, child, exit);
}

/**
 * A clean run to the end: started unarmed, left until it answers `GET /readyz` with 200 (with
 * Kafka: it has joined its group; scoring: it follows the log live) and `done` holds, then
 * stopped with SIGTERM; it must exit 0.
 */
async function cleanRun(r: PathResult, start: () => Child, port: number, done: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const child = start();
  r.starts++;
  const agent = new Agent({ keepAlive: false });
  try {
    await until(what, async () => {
      if (!child.alive()) throw new Error(`${child.label} exited during its clean run\n${child.tail()}`);
      const ready = await call(agent, port, 'GET', '/readyz');
      return 'status' in ready && ready.status === 200 && (await done());
    }, 120_000, 100);
  } catch (err) {
    child.signal('SIGKILL');
    throw err;
  } finally {
    agent.destroy();
  }
  const exit = await terminate(r, child);
  if (exit !== 'hung' && exit.code !== 0) throw new Error(`${child.label} did not exit 0 on SIGTERM (${exit.signal ?? exit.code})\n${child.tail()}`);
}

// ——— (1) dvk import FILE, killed and re-run until it completes ———

export async function importPath(s: Settings, ref: Reference, rng: Rng): Promise<PathResult> {
  const p = s.import;
  const r = newResult('import', p.input);
  const t0 = Date.now();
  const chunks = Math.ceil(ref.lines.length / 20_000);
  // Passages of each site in one whole run (re-runs start from the first line again).
  const max: Partial<Record<KillSite, number>> = {
    'import.chunk': chunks,
    'store.append.tx': ref.ids.length,
    'store.appended': chunks,
    'projection.tx': 2,
    'projection.committed': 1,
  };
  let attempt = 0;
  // How long a whole run takes (the reference's at first, then the runs that completed).
  let runMs = ref.importMs;
  while (r.kills < p.kills) {
    const tmp = tempDir('dvk-crash-import-');
    try {
      const db = tmp.file('dvk.sqlite');
      const args = ['--db', db, 'import', '--json', ref.file];
      const target = r.kills + Math.min(p.killsPerScenario, p.kills - r.kills);
      while (r.kills < target) {
        let site = SITE_CYCLE.import[attempt++ % SITE_CYCLE.import.length]!;
        // Once an earlier run has brought the read model to the end, a re-run has nothing to
        // project: its projection sites cannot be reached.
        if (site.startsWith('projection.') && r.starts > 0) {
          const { head, checkpoint } = progressOf(db);
          if (head === ref.ids.length && checkpoint === head) site = 'store.append.tx';
        }
        const arm: Arm = site === 'timed' ? { site, delayMs: rng.int(runMs * 0.25, runMs) } : { site, n: rng.int(1, max[site] ?? 1) };
        const child = startChild(ENTRY.cli, args, {}, arm, `dvk import #${r.starts}`);
        r.starts++;
        const exit = await child.exited;
        if (book(r, child, exit) === 'exited') {
          // A run that completed did not reach its point: that site has fewer passages than n.
          if (arm.n !== undefined) max[site] = Math.max(1, arm.n - 1);
          runMs = exit.ms;
        }
      }
      // Re-run until it completes (unarmed: it must).
      const last = startChild(ENTRY.cli, args, {}, null, `dvk import #${r.starts} (to the end)`);
      r.starts++;
      const exit = await last.exited;
      if (exit.code !== 0) throw new Error(`the final import failed (${exit.signal ?? exit.code})\n${last.tail()}`);
      const summary = JSON.parse(last.stdout()) as { lines: number; appended: number; duplicates: number; rejected: number };
      if (summary.lines !== ref.lines.length || summary.appended + summary.duplicates !== ref.ids.length || summary.rejected !== ref.deadLetters)
        r.problems.push(`scenario ${r.scenarios + 1}: the completing import's summary ${JSON.stringify(summary)} does not add up to the input`);
      await finishScenario(r, db, ref, { deadLetters: true });
    } finally {
      tmp.cleanup();
    }
  }
  r.durationMs = Date.now() - t0;
  return r;
}

// ——— (2) HTTP POST /v1/events: a client re-sending the same batch after a failure ———

interface Batch {
  source: string;
  body: string;
  /** Per line: the event id it must be appended (or found duplicate) as, or null: it must be rejected. */
  expect: (string | null)[];
  events: number;
}

/** The input as a real client would send it: in order, one source per request, at most `max` lines. */
function batchesOf(ref: Reference, max: number): Batch[] {
  const valid = new Set(ref.ids);
  const out: Batch[] = [];
  let cur: { source: string; lines: string[] } | null = null;
  const flush = () => {
    if (!cur) return;
    const expect = cur.lines.map((l) => {
      const e = parseEnvelopeText(l);
      return E.isRight(e) && valid.has(e.right.id) ? e.right.id : null;
    });
    out.push({ source: cur.source, body: cur.lines.join('\n') + '\n', expect, events: expect.filter((x) => x !== null).length });
    cur = null;
  };
  for (const line of ref.lines) {
    const source: string = declaredSource(line) ?? (cur as { source: string } | null)?.source ?? SOURCES.banDanVan;
    if (cur && (cur.source !== source || cur.lines.length >= max)) flush();
    cur ??= { source, lines: [] };
    cur.lines.push(line);
  }
  flush();
  return out;
}

type PostResult = { status: number; body: string } | { error: string };

const post = (agent: Agent, port: number, token: string, body: string) =>
  call(agent, port, 'POST', '/v1/events', { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body);

function call(agent: Agent, port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<PostResult> {
  return new Promise((res) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, agent, timeout: 60_000, headers },
      (resp) => {
        let text = '';
        resp.setEncoding('utf8');
        resp.on('data', (c: string) => (text += c));
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body: text }));
        resp.on('error', (err) => res({ error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => res({ error: err.code ?? err.message }));
    req.end(body);
  });
}

export async function httpPath(s: Settings, ref: Reference, rng: Rng): Promise<PathResult> {
  const p = s.http;
  const r = newResult('http', p.input);
  const t0 = Date.now();
  const batches = batchesOf(ref, p.batchMax);
  const eventsFrom: number[] = new Array<number>(batches.length + 1).fill(0);
  for (let i = batches.length - 1; i >= 0; i--) eventsFrom[i] = eventsFrom[i + 1]! + batches[i]!.events;
  let attempt = 0;
  let msPerBatch = 5;
  let retries = 0;
  let unavailable = 0;
  let duplicatesAnswered = 0;
  while (r.kills < p.kills) {
    const tmp = tempDir('dvk-crash-http-');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const db = tmp.file('dvk.sqlite');
      const tokens = registerSources(db);
      const port = await freePort();
      const env = { DVK_DB: db, DVK_INGEST_HOST: '127.0.0.1', DVK_INGEST_PORT: String(port) };
      const planned = Math.min(p.killsPerScenario, p.kills - r.kills);
      let killsHere = 0;
      const launch = (b: number): Child => {
        let arm: Arm | null = null;
        const left = planned - killsHere;
        if (left > 0) {
          const perKillBatches = Math.max(1, (batches.length - b) / left);
          const perKillEvents = Math.max(1, eventsFrom[b]! / left);
          const site = SITE_CYCLE.http[attempt++ % SITE_CYCLE.http.length]!;
          arm =
            site === 'timed'
              ? { site, delayMs: rng.int(250, 450 + 2 * perKillBatches * msPerBatch) }
              : site === 'store.append.tx'
                ? { site, n: Math.max(1, Math.min(eventsFrom[b]!, rng.int(1, 2 * perKillEvents))) }
                : site === 'projection.tx'
                  ? { site, n: rng.int(1, 4) }
                  : site === 'projection.committed'
                    ? { site, n: rng.int(1, 2) }
                    : { site, n: Math.max(1, Math.min(batches.length - b, rng.int(1, 2 * perKillBatches))) };
        }
        r.starts++;
        return startChild(ENTRY.ingest, [], env, arm, `ingest (http) #${r.starts}`);
      };
      let child = launch(0);
      for (let b = 0; b < batches.length; b++) {
        const batch = batches[b]!;
        const tb = Date.now();
        for (let tries = 0; ; tries++) {
          const res = await post(agent, port, tokens[batch.source]!, batch.body);
          if ('status' in res && res.status === 200) {
            const answer = JSON.parse(res.body) as { results: { index: number; id: string | null; status: string }[] };
            if (answer.results.length !== batch.expect.length) throw new Error(`batch ${b}: ${answer.results.length} results for ${batch.expect.length} lines`);
            answer.results.forEach((x, i) => {
              const want = batch.expect[i];
              const ok = want === null ? x.status === 'rejected' : (x.status === 'appended' || x.status === 'duplicate') && x.id === want;
              if (!ok) r.problems.push(`batch ${b} line ${i + 1}: answered ${x.status} (${x.id}), expected ${want === null ? 'rejected' : `appended/duplicate ${want}`}`);
              if (x.status === 'duplicate') duplicatesAnswered++;
            });
            if (tries === 0) msPerBatch = 0.9 * msPerBatch + 0.1 * (Date.now() - tb);
            break;
          }
          if ('status' in res && res.status !== 503) throw new Error(`batch ${b}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
          retries++;
          if ('status' in res) {
            unavailable++; // 503: nothing was written, the same batch is re-sent
            await sleep(100);
          } else if (!child.alive()) {
            if (book(r, child, await child.exited) === 'killed') killsHere++;
            child = launch(b);
          } else if (res.error === 'timeout') throw new Error(`batch ${b}: no answer within 60 s from a live ingest\n${child.tail()}`);
          else await sleep(15); // starting up (connection refused), or dying
        }
      }
      // The input is in. A child still armed never reached its point (or is about to, in its drain).
      if (await stopAndBook(r, child) === 'killed') killsHere++;
      await cleanRun(r, () => startChild(ENTRY.ingest, [], env, null, `ingest (http) #${r.starts} (clean)`), port, () => true, 'the clean ingest to be ready');
      await finishScenario(r, db, ref, { deadLetters: true });
    } finally {
      agent.destroy();
      tmp.cleanup();
    }
  }
  r.notes.push(`${batches.length} requests per scenario (at most ${p.batchMax} lines, one source each), ${retries} failed attempts (connection refused or reset while the service was down or starting; ${unavailable} answered 503) re-sent, ${duplicatesAnswered} events answered "duplicate" on a re-send`);
  r.durationMs = Date.now() - t0;
  return r;
}

// ——— (3) Kafka: the ingest consumer killed between append and offset commit, until the lag is 0 ———

export async function kafkaPath(s: Settings, ref: Reference, rng: Rng, cluster: Cluster): Promise<PathResult> {
  const p = s.kafka;
  const r = newResult('kafka', p.input);
  const t0 = Date.now();
  const kafka = client(cluster.brokers);
  const admin = kafka.admin();
  await admin.connect();
  let attempt = 0;
  // A restart waits for the killed member's session to time out and for the group to rebalance
  // (seconds, mostly idle): scenarios run `parallel` at a time, each on its own topic, group and store.
  let joinMs = 4000;
  const scenario = async (planned: number): Promise<void> => {
    const tmp = tempDir('dvk-crash-kafka-');
    try {
      const db = tmp.file('dvk.sqlite');
      registerSources(db);
      const tag = randomBytes(4).toString('hex');
      const topic = `dvk-crash-${tag}`;
      const group = `dvk-crash-ingest-${tag}`;
      await produceLines(kafka, topic, ref.lines);
      const port = await freePort();
      const env = {
        DVK_DB: db,
        DVK_INGEST_HOST: '127.0.0.1',
        DVK_INGEST_PORT: String(port),
        DVK_KAFKA_BROKERS: cluster.brokers.join(','),
        DVK_KAFKA_TOPIC: topic,
        DVK_KAFKA_GROUP: group,
        DVK_KAFKA_SESSION_TIMEOUT_MS: String(p.sessionTimeoutMs),
        DVK_KAFKA_MAX_WAIT_MS: '100',
        DVK_KAFKA_MAX_BATCH: String(p.maxBatch),
      };
      let killsHere = 0;
      const launch = (lag: number): Child => {
        let arm: Arm | null = null;
        const left = planned - killsHere;
        if (left > 0) {
          const perKill = Math.max(1, lag / left);
          const site = SITE_CYCLE.kafka[attempt++ % SITE_CYCLE.kafka.length]!;
          arm =
            site === 'timed'
              ? { site, delayMs: rng.int(joinMs * 0.6, joinMs + 1500) }
              : site === 'store.append.tx'
                ? { site, n: Math.max(1, Math.min(lag, rng.int(1, 2 * perKill))) }
                : site === 'projection.tx'
                  ? { site, n: rng.int(1, 4) }
                  : site === 'projection.committed'
                    ? { site, n: rng.int(1, 2) }
                    : { site, n: Math.max(1, Math.min(Math.ceil(lag / p.maxBatch), rng.int(1, Math.max(1, (2 * perKill) / p.maxBatch)))) };
        }
        r.starts++;
        return startChild(ENTRY.ingest, [], env, arm, `ingest (kafka) #${r.starts}`);
      };
      let child: Child | null = null;
      let started = 0;
      let lagAtStart = 0;
      for (;;) {
        const lag = await lagOf(admin, group, topic);
        if (lag === 0) break;
        if (lag === null) {
          await sleep(200);
          continue;
        }
        if (!child) {
          child = launch(lag);
          started = Date.now();
          lagAtStart = lag;
        } else if (lagAtStart > 0 && lag < lagAtStart) {
          joinMs = 0.8 * joinMs + 0.2 * (Date.now() - started); // first commit after a (re)start
          lagAtStart = 0;
        }
        const c: Child = child;
        const exit = await Promise.race([c.exited, sleep(200).then(() => null)]);
        if (exit) {
          if (book(r, c, exit) === 'killed') killsHere++;
          child = null;
        }
      }
      if (child && (await stopAndBook(r, child)) === 'killed') killsHere++;
      await cleanRun(
        r,
        () => startChild(ENTRY.ingest, [], env, null, `ingest (kafka) #${r.starts} (clean)`),
        port,
        async () => {
          const { head, checkpoint } = progressOf(db);
          return head > 0 && checkpoint === head && (await lagOf(admin, group, topic)) === 0;
        },
        'the clean consumer: lag 0 and the read model at the head',
      );
      await finishScenario(r, db, ref, { deadLetters: true });
    } finally {
      tmp.cleanup();
    }
  };
  try {
    while (r.kills < p.kills) {
      const wave: Promise<void>[] = [];
      let budget = p.kills - r.kills;
      for (let i = 0; i < p.parallel && budget > 0; i++) {
        const planned = Math.min(p.killsPerScenario, budget);
        budget -= planned;
        wave.push(scenario(planned));
      }
      const settled = await Promise.allSettled(wave);
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } finally {
    await admin.disconnect();
  }
  r.notes.push(
    `${p.parallel} scenarios at a time, each its own topic (4 partitions, key: unit id), group and store; ${p.maxBatch} messages per append and offset commit; session timeout ${p.sessionTimeoutMs} ms; a restart took about ${Math.round(joinMs / 100) / 10} s to its first commit`,
  );
  r.durationMs = Date.now() - t0;
  return r;
}

// ——— (4) the scoring service following a store being filled ———

export async function scoringPath(s: Settings, ref: Reference, rng: Rng): Promise<PathResult> {
  const p = s.scoring;
  const r = newResult('scoring', p.input);
  const t0 = Date.now();
  const events: Envelope[] = [];
  for (const l of ref.lines) {
    const e = parseEnvelopeText(l);
    if (E.isRight(e)) events.push(e.right);
  }
  if (events.length !== ref.ids.length) throw new Error(`${events.length} valid envelopes in the input, the reference appended ${ref.ids.length}`);
  let attempt = 0;
  let fallbacks = 0;
  while (r.kills < p.kills) {
    const tmp = tempDir('dvk-crash-scoring-');
    try {
      const db = tmp.file('dvk.sqlite');
      const writer = openSqliteEventStore({ path: db });
      const planned = Math.min(p.killsPerScenario, p.kills - r.kills);
      let killsHere = 0;
      let written = 0;
      // The writer (another process's ingest, as far as the scoring service can tell) appends a
      // small batch every 40 ms, keeping about one kill's share of the input ahead of the kills.
      const perKill = events.length / (planned + 1);
      const step = Math.max(5, Math.ceil(perKill / 30));
      let writing = true;
      let idle = 0;
      const filling = (async () => {
        while (writing && written < events.length) {
          // About one kill's share ahead of the kills; past that a trickle (a few events every
          // 200 ms) so that a running service always has something to commit.
          const cap = killsHere >= planned ? events.length : Math.floor(perKill * (killsHere + 2));
          if (written < cap || ++idle % 5 === 0) {
            const batch = events.slice(written, written < cap ? Math.min(cap, written + step) : written + 3);
            const a = await writer.appendMany(batch);
            if (E.isLeft(a)) throw new Error(`the harness's writer failed: ${a.left.message}`);
            written += batch.length;
          }
          await sleep(40);
        }
      })();
      const port = await freePort();
      const env = { DVK_DB: db, DVK_SCORING_HOST: '127.0.0.1', DVK_SCORING_PORT: String(port) };
      try {
        while (killsHere < planned) {
          const site = SITE_CYCLE.scoring[attempt++ % SITE_CYCLE.scoring.length]!;
          const arm: Arm =
            site === 'timed' ? { site, delayMs: rng.int(300, 2000) } : site === 'projection.tx' ? { site, n: rng.int(1, 4) } : { site, n: rng.int(1, 2) };
          const child = startChild(ENTRY.scoring, [], env, arm, `scoring #${r.starts}`);
          r.starts++;
          // An armed point not reached within 8 s (a slow start, nothing new to commit): the harness kills it.
          const fallback = setTimeout(() => {
            fallbacks++;
            child.signal('SIGKILL');
          }, 8000);
          const exit = await child.exited;
          clearTimeout(fallback);
          if (book(r, child, exit) === 'killed') killsHere++;
        }
        await filling;
      } finally {
        writing = false;
        await filling.catch(() => undefined);
      }
      await cleanRun(
        r,
        () => startChild(ENTRY.scoring, [], env, null, `scoring #${r.starts} (clean)`),
        port,
        () => {
          const { head, checkpoint } = progressOf(db);
          return head === ref.ids.length && checkpoint === head;
        },
        'the clean scoring service to reach the head',
      );
      const cp = readModelQueries(writer.db).checkpoint('scoring');
      if (!cp) r.problems.push('no checkpoint after the clean run');
      await writer.close();
      await finishScenario(r, db, ref, { deadLetters: false });
    } finally {
      tmp.cleanup();
    }
  }
  r.notes.push(`the harness appends the input in small batches every 40 ms while the service is killed and restarted; ${fallbacks} armed run(s) had not reached their point within 8 s and were killed by the harness (counted as timed)`);
  r.durationMs = Date.now() - t0;
  return r;
}
