import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type KillSite, type PathName, type PathResult, type Settings } from './harness.js';

/** The figures of a crash run, as JSON and as the Markdown table of docs/reliability.md. */

const ORDER: PathName[] = ['import', 'http', 'kafka', 'scoring'];
const LABEL: Record<PathName, string> = {
  import: '`dvk import FILE`',
  http: 'HTTP `POST /v1/events`',
  kafka: 'Kafka consumer',
  scoring: 'scoring service',
};
const SITES: KillSite[] = ['import.chunk', 'store.append.tx', 'store.appended', 'ingest.http.appended', 'ingest.kafka.appended', 'projection.tx', 'projection.committed', 'timed'];

const sites = (m: Partial<Record<KillSite, number>>) =>
  SITES.filter((s) => m[s])
    .map((s) => `${s} ${m[s]}`)
    .join(', ');

export function markdown(settings: Settings, results: readonly PathResult[], totalMs: number): string {
  const rs = ORDER.map((p) => results.find((r) => r.path === p)).filter((r): r is PathResult => r !== undefined);
  const total = (f: (r: PathResult) => number) => rs.reduce((s, r) => s + f(r), 0);
  const lines = [
    `| path | kill points | by site | scenarios | processes started | events sent | lost | doubled | extra | dead letters (expected) | checks | time |`,
    `|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|`,
    ...rs.map(
      (r) =>
        `| ${LABEL[r.path]} (${r.input.years} y) | ${r.kills} | ${sites(r.killsBySite)} | ${r.scenarios} | ${r.starts} | ${r.eventsSent} | ${r.eventsLost} | ${r.eventsDoubled} | ${r.eventsExtra} | ${r.path === 'scoring' ? '—' : `${r.deadLettersFound} (${r.badLinesSent})`} | ${r.problems.length ? `**${r.problems.length} failed**` : 'all passed'} | ${Math.round(r.durationMs / 1000)} s |`,
    ),
    `| **total** | **${total((r) => r.kills)}** | | ${total((r) => r.scenarios)} | ${total((r) => r.starts)} | ${total((r) => r.eventsSent)} | **${total((r) => r.eventsLost)}** | **${total((r) => r.eventsDoubled)}** | ${total((r) => r.eventsExtra)} | | | ${Math.round(totalMs / 1000)} s |`,
  ];
  const missed = rs.filter((r) => Object.keys(r.missedBySite).length).map((r) => `${r.path}: ${sites(r.missedBySite)}`);
  return [
    `${settings.full ? 'Full' : 'Short (CI)'} run, seed ${settings.seed}:`,
    '',
    ...lines,
    '',
    ...(missed.length ? [`Armed runs that ended before their crash point (not counted): ${missed.join('; ')}.`, ''] : []),
    ...rs.flatMap((r) => r.notes.map((n) => `- ${r.path}: ${n}`)),
    ...(total((r) => r.shutdownHangs.length)
      ? ['', `Shutdown hangs (SIGTERM not obeyed within 20 s, then SIGKILL; not counted as kill points, nothing lost):`, ...rs.flatMap((r) => r.shutdownHangs.map((h) => `- ${r.path}: ${h}`))]
      : []),
  ].join('\n');
}

export function writeSummary(settings: Settings, results: readonly PathResult[], totalMs: number): string {
  const dir = join(repoRoot, 'test-results', 'reliability');
  mkdirSync(dir, { recursive: true });
  const name = `crash-${settings.full ? 'full' : 'short'}`;
  const md = markdown(settings, results, totalMs);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ settings, totalMs, results }, null, 2) + '\n');
  writeFileSync(join(dir, `${name}.md`), md + '\n');
  return md;
}
