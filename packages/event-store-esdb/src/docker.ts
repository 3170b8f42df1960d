import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Whether a Docker engine (or another container runtime testcontainers can use) is reachable, for
 * the testcontainers suites: they run where one is, and elsewhere skip with one printed line
 * (`skipLine`). The quick check looks for a socket or a configured host before loading
 * testcontainers; then testcontainers' own runtime detection decides (it pings the engine).
 *
 *   const docker = await dockerAvailable();
 *   if (!docker.available) reportSkip('packages/x', 'the X suite', docker.reason);
 *   describe.skipIf(!docker.available)('…', () => { … });
 */

export interface DockerCheck {
  available: boolean;
  /** Why not (or which runtime was found). */
  reason: string;
}

const SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  join(homedir(), '.docker/run/docker.sock'),
  join(homedir(), '.docker/desktop/docker.sock'),
  join(homedir(), '.colima/default/docker.sock'),
  join(homedir(), '.rd/docker.sock'),
  ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'docker.sock'), join(process.env.XDG_RUNTIME_DIR, 'podman/podman.sock')] : []),
];

function configuredHost(): string | null {
  if (process.env.DOCKER_HOST) return `DOCKER_HOST=${process.env.DOCKER_HOST}`;
  if (process.env.TESTCONTAINERS_HOST_OVERRIDE) return `TESTCONTAINERS_HOST_OVERRIDE=${process.env.TESTCONTAINERS_HOST_OVERRIDE}`;
  try {
    const props = readFileSync(join(homedir(), '.testcontainers.properties'), 'utf8');
    const m = /^\s*docker\.host\s*=\s*(\S+)/m.exec(props);
    if (m) return `docker.host=${m[1]} in ~/.testcontainers.properties`;
  } catch {
    // no properties file
  }
  return null;
}

let cached: Promise<DockerCheck> | null = null;

/** Checks once per process (the answer is cached). `DVK_SKIP_DOCKER=1` forces a skip. */
export function dockerAvailable(opts: { timeoutMs?: number } = {}): Promise<DockerCheck> {
  return (cached ??= check(opts.timeoutMs ?? 15_000));
}

async function check(timeoutMs: number): Promise<DockerCheck> {
  if (process.env.DVK_SKIP_DOCKER === '1' || process.env.DVK_SKIP_DOCKER === 'true') return { available: false, reason: 'DVK_SKIP_DOCKER is set' };
  const host = configuredHost();
  const socket = SOCKETS.find((s) => existsSync(s));
  if (!host && !socket) return { available: false, reason: 'docker.sock not found and DOCKER_HOST not set' };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    const info = client.info.containerRuntime;
    return { available: true, reason: `${info.host} (${info.operatingSystem ?? 'container runtime'})` };
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    return { available: false, reason: `${host ?? socket} found but the engine does not answer: ${first}` };
  }
}

/** The one line a skipped suite prints. */
export function skipLine(where: string, what: string, reason: string): string {
  return `SKIPPED ${where} ${what}: no Docker engine reachable (${reason}); runs where Docker is available`;
}

/** Prints the skip line once to stderr. */
export function reportSkip(where: string, what: string, reason: string): void {
  process.stderr.write(`${skipLine(where, what, reason)}\n`);
}
