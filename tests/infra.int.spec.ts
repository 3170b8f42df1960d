import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * infra/: the compose files validate (`docker compose config`, which needs the Docker client's
 * compose plugin or docker-compose, not an engine) and hold what the operations guide promises —
 * KRaft Kafka (one node, or three with replication 3), EventStoreDB, the one-shot topic
 * initialisation, each dvk service as its own container with a health check; the topics'
 * partitions, retention and compaction; a multi-stage, non-root Dockerfile.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = (p: string) => readFileSync(join(root, p), 'utf8');
const SINGLE = ['infra/compose.yaml'];
const THREE = ['infra/compose.yaml', 'infra/compose.3-brokers.yaml'];
const DVK_SERVICES = ['ingest', 'scoring', 'ranking', 'api'] as const;

const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
/** The compose CLI: the plugin (`docker compose`), else the standalone `docker-compose`. */
const compose: { cmd: string; pre: string[]; json: boolean } | null = works('docker', ['compose', 'version'])
  ? { cmd: 'docker', pre: ['compose'], json: true }
  : works('docker-compose', ['version'])
    ? { cmd: 'docker-compose', pre: [], json: false }
    : null;
if (!compose)
  process.stderr.write(
    'SKIPPED tests/infra.int.spec.ts compose validation (docker compose config): no compose CLI (neither the docker compose plugin nor docker-compose is installed); the static checks of infra/ still run\n',
  );

type Service = {
  image?: string;
  working_dir?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: unknown[];
};
type Config = { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** `config` of the given files, as data (v1 prints only YAML: its own Python converts it). */
function config(files: string[]): Config {
  const args = [...compose!.pre, ...files.flatMap((f) => ['-f', join(root, f)]), 'config'];
  const env = { ...process.env, DVK_IMAGE: '', DVK_ESDB_URL: '', DVK_KAFKA_BROKERS: '' };
  if (compose!.json) return JSON.parse(execFileSync(compose!.cmd, [...args, '--format', 'json'], { encoding: 'utf8', env })) as Config;
  const yaml = execFileSync(compose!.cmd, args, { encoding: 'utf8', env });
  const json = execFileSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8' });
  return JSON.parse(json) as Config;
}
const env = (s: Service | undefined, k: string) => (s?.environment?.[k] === undefined ? undefined : String(s.environment[k]));

describe.skipIf(!compose)('compose files (docker compose config)', () => {
  it('single node: KRaft Kafka, EventStoreDB, topic init, and each dvk service in its own container', () => {
    const c = config(SINGLE);
    expect(Object.keys(c.services).sort()).toEqual(['api', 'eventstore', 'ingest', 'kafka', 'kafka-init', 'ranking', 'scoring']);
    const kafka = c.services.kafka!;
    expect(env(kafka, 'KAFKA_PROCESS_ROLES')).toBe('broker,controller');
    expect(env(kafka, 'KAFKA_CONTROLLER_QUORUM_VOTERS')).toBe('1@kafka:9093');
    expect(env(kafka, 'KAFKA_AUTO_CREATE_TOPICS_ENABLE')).toBe('false');
    expect(Object.keys(c.services).some((s) => /zookeeper/i.test(s))).toBe(false);
    const init = c.services['kafka-init']!;
    expect(env(init, 'DVK_EVENTS_PARTITIONS')).toBe('12');
    expect(env(init, 'DVK_EVENTS_RETENTION_MS')).toBe(String(30 * 24 * 3600 * 1000));
    expect(env(init, 'DVK_DLQ_RETENTION_MS')).toBe(String(90 * 24 * 3600 * 1000));
    expect(env(init, 'DVK_TOPIC_REPLICATION')).toBe('1');
    expect(init.depends_on?.kafka?.condition).toBe('service_healthy');
    expect(c.services.eventstore!.image).toMatch(/eventstore|kurrent/);
    expect(env(c.services.eventstore, 'EVENTSTORE_RUN_PROJECTIONS')).toBe('None');
    const images = new Set<string>();
    for (const name of DVK_SERVICES) {
      const s = c.services[name]!;
      images.add(s.image!);
      expect(s.working_dir).toBe(`/app/${name}`);
      expect(s.command).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
      expect(s.healthcheck?.test).toEqual(['CMD', 'node', '/app/healthcheck.mjs']);
      expect(env(s, 'DVK_STORE')).toBe('esdb');
      expect(env(s, 'DVK_ESDB_URL')).toMatch(/^esdb:\/\/eventstore:2113/);
      expect(env(s, 'DVK_KAFKA_BROKERS')).toBe('kafka:9092');
      expect(env(s, 'DVK_READ_MODEL')).toMatch(/^\/data\/.+\.sqlite$/);
      expect(env(s, 'DVK_HEALTH_PORT')).toMatch(/^80\d\d$/);
      expect(s.depends_on?.eventstore?.condition).toBe('service_healthy');
    }
    expect(images.size).toBe(1); // one image, four commands
    expect(c.services.ingest!.depends_on?.['kafka-init']?.condition).toBe('service_completed_successfully');
    // scoring, ranking and api share the read model; ingest keeps its own file
    expect(env(c.services.ranking, 'DVK_READ_MODEL')).toBe(env(c.services.scoring, 'DVK_READ_MODEL'));
    expect(env(c.services.ingest, 'DVK_READ_MODEL')).not.toBe(env(c.services.scoring, 'DVK_READ_MODEL'));
  });

  it('three brokers: a KRaft quorum of three, topics replicated 3 times with min.insync.replicas 2', () => {
    const c = config(THREE);
    for (const [i, b] of ['kafka', 'kafka-2', 'kafka-3'].entries()) {
      const k = c.services[b]!;
      expect(env(k, 'KAFKA_NODE_ID')).toBe(String(i + 1));
      expect(env(k, 'KAFKA_CONTROLLER_QUORUM_VOTERS')).toBe('1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(env(k, 'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR')).toBe('3');
      expect(env(k, 'KAFKA_ADVERTISED_LISTENERS')).toContain(`PLAINTEXT://${b}:9092`);
    }
    const init = c.services['kafka-init']!;
    expect(env(init, 'DVK_TOPIC_REPLICATION')).toBe('3');
    expect(env(init, 'DVK_TOPIC_MIN_ISR')).toBe('2');
    expect(Object.keys(init.depends_on ?? {}).sort()).toEqual(['kafka', 'kafka-2', 'kafka-3']);
    for (const name of DVK_SERVICES) {
      expect(env(c.services[name], 'DVK_KAFKA_BROKERS')).toBe('kafka:9092,kafka-2:9092,kafka-3:9092');
      expect(env(c.services[name], 'DVK_STORE')).toBe('esdb');
    }
  });
});

describe('infra files (static checks, no Docker needed)', () => {
  it('creates the topics with their partitions, retention and compaction', () => {
    const sh = file('infra/kafka/create-topics.sh');
    expect(sh).toMatch(/^topic dvk\.evaluation-events "\$\{DVK_EVENTS_PARTITIONS:-12\}" cleanup\.policy=delete "retention\.ms=\$\{DVK_EVENTS_RETENTION_MS:-2592000000\}"$/m);
    expect(sh).toMatch(/^topic dvk\.evaluation-events\.dlq .* "retention\.ms=\$\{DVK_DLQ_RETENTION_MS:-7776000000\}"$/m);
    expect(sh).toMatch(/^topic dvk\.rankings .*cleanup\.policy=compact/m);
    expect(sh).toContain('--if-not-exists');
    const bash = spawnSync('bash', ['-n', join(root, 'infra/kafka/create-topics.sh')], { encoding: 'utf8' });
    expect(bash.status, bash.stderr).toBe(0);
  });

  it('builds one multi-stage, non-root image with pnpm deploy and a health check', () => {
    const d = file('Dockerfile');
    const stages = [...d.matchAll(/^FROM (\S+) AS (\w+)/gm)].map((m) => [m[1], m[2]]);
    expect(stages.map((s) => s[1])).toEqual(['build', 'runtime']);
    expect(stages[1]![0]).toMatch(/bookworm-slim$/);
    expect(d).toMatch(/npm install -g pnpm@10/);
    expect(d).toMatch(/pnpm install --frozen-lockfile/);
    expect(d).toMatch(/deploy --legacy --prod "\/out\/\$s"/);
    // every service, and the dvk command the operations guide runs in a container (/app/cli)
    const services = /^ARG SERVICES="([^"]*)"/m.exec(d)?.[1]?.split(' ') ?? [];
    expect(services.sort()).toEqual([...DVK_SERVICES, 'cli'].sort());
    const runtime = d.slice(d.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER dvk$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\/app\/healthcheck\.mjs/m);
    expect(runtime).toMatch(/^WORKDIR /m);
    expect(file('.dockerignore')).toMatch(/^\*\*\/node_modules$/m);
  });

  it('has an operations guide covering start, sources, scaling, rebuilds, backups and rulebook upgrades', () => {
    const guide = file('infra/README.md');
    for (const heading of ['Start', 'Register the upstream sources', 'Scale the ingest consumers', 'Rebuild the projections', 'Back up', 'Upgrade the rulebook'])
      expect(guide).toContain(`## ${heading}`);
    // the dvk command in the image, on the ingest service's file
    expect(guide).toContain('-w /app/cli ingest node --import tsx src/main.ts --db /data/ingest.sqlite');
  });
});
