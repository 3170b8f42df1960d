/**
 * Crash points: a test hook of the crash-safety harness (tests/reliability, docs/reliability.md).
 *
 * `DVK_CRASH_AT=<site>:<n>` makes the process kill itself with SIGKILL — no finally block, no
 * flush, no graceful shutdown, as if the machine lost power under it — the n-th time (1-based,
 * counted from the start of the process) the code reaches `crashPoint('<site>')`. The variable
 * is read once, when this module loads; unset (always, in production) `crashPoint` returns at
 * once. One site per process.
 *
 * The sites, each one call in the production code:
 * - `import.chunk`          a chunk of the file is framed and checked, before its `appendMany`
 *                           (packages/ingestion importer)
 * - `store.append.tx`       inside the append transaction, after each event's insert (a kill here
 *                           leaves an uncommitted transaction; packages/event-store-sqlite)
 * - `store.appended`        the append transaction has committed, nothing after it has run yet
 * - `ingest.http.appended`  HTTP batch appended, before the response is sent (services/ingest)
 * - `ingest.kafka.appended` Kafka chunk appended, before its dead letters are produced and its
 *                           offset committed (services/ingest)
 * - `projection.tx`         inside the projection's commit transaction: after the fold state is
 *                           written, and again before the checkpoint is (packages/projections)
 * - `projection.committed`  the projection's transaction (results + checkpoint) has committed
 */
export const CRASH_SITES = [
  'import.chunk',
  'store.append.tx',
  'store.appended',
  'ingest.http.appended',
  'ingest.kafka.appended',
  'projection.tx',
  'projection.committed',
] as const;
export type CrashSite = (typeof CRASH_SITES)[number];

function armed(spec: string | undefined): { site: CrashSite; n: number } | null {
  if (spec === undefined || spec === '') return null;
  const m = /^([a-z.]+):([1-9]\d*)$/.exec(spec);
  const site = CRASH_SITES.find((s) => s === m?.[1]);
  if (!m || !site) throw new Error(`DVK_CRASH_AT must be <site>:<n> with a site among ${CRASH_SITES.join(', ')} and n ≥ 1 (got "${spec}")`);
  process.stderr.write(`dvk: test hook DVK_CRASH_AT armed: SIGKILL at passage ${m[2]} of ${site}\n`);
  return { site, n: Number(m[2]) };
}

const target = armed(process.env.DVK_CRASH_AT);
let reached = 0;

/** Kills the process (SIGKILL) when this is the armed site's n-th passage; a no-op otherwise. */
export function crashPoint(site: CrashSite): void {
  if (target === null || site !== target.site) return;
  if (++reached === target.n) process.kill(process.pid, 'SIGKILL');
}
