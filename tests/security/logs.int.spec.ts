import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashAdminToken } from '@dvk/ingestion';
import { CLI, ROOT, tempDir } from '../support.js';

/**
 * "No secrets in logs": a whole session with every process at debug level — import, admin init,
 * sources added with the admin token (environment and command line), `dvk start` serving the
 * dashboard, API, ingest and admin endpoints, events posted with source tokens (right, wrong,
 * revoked, misplaced in a query string), the API read with the read token (right and wrong),
 * sources added and revoked over HTTP, then revoke, rebuild, rulebook use, backup and verify on the
 * command line, and refused admin attempts. Every log line of every process is kept; no token
 * (source, admin, read) and no hash of one appears in any.
 */

const tmp = tempDir('dvk-sec-logs-');
afterAll(() => tmp.cleanup());
const db = join(tmp.dir, 'logs.sqlite');
const READ = `read-${randomUUID()}`;
const RULEBOOK = join(ROOT, 'examples/rulebooks/tan-yen-2016-dvk90.json');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
const logs: { cmd: string; text: string }[] = [];

function dvk(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', db, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DVK_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => {
      logs.push({ cmd: args.join(' '), text: stderr });
      resolve({ code, stdout, stderr });
    });
  });
}

/** `dvk start` in the background: resolves with its URL once it serves. */
function start(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<Run> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', db, 'start', '--port', '0'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DVK_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const done = new Promise<Run>((r) =>
      p.on('close', (code) => {
        logs.push({ cmd: 'start', text: stderr });
        logs.push({ cmd: 'start (stdout)', text: stdout });
        r({ code, stdout, stderr });
      }),
    );
    const timer = setTimeout(() => reject(new Error(`dvk start did not serve in time:\n${stderr.slice(-2000)}`)), 60_000);
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /\(dashboard\): (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          stop: () => {
            p.kill('SIGTERM');
            return done;
          },
        });
      }
    });
    void done.then((r) => reject(new Error(`dvk start exited (${r.code}) before serving:\n${r.stderr.slice(-2000)}`)));
  });
}

const at = '2019-10-15T08:00:00+07:00';
const ev = (type: string, source: string, data: Record<string, unknown>) => JSON.stringify({ id: randomUUID(), type, schemaVersion: 1, source, occurredAt: at, data });

/** Every form in which a token could leak: itself, and its digests as the stores and logs would print them. */
function forms(token: string): string[] {
  const d = createHash('sha256').update(token, 'utf8').digest();
  const a = hashAdminToken(token);
  return [token, token.slice(-24), d.toString('hex'), d.toString('base64'), d.toString('base64url'), a.toString('hex'), a.toString('base64')];
}

describe('a whole session at debug level', () => {
  it('never logs a token or its hash', async () => {
    const file = join(tmp.dir, 'registry.ndjson');
    writeFileSync(
      file,
      [
        ev('UnitRegistered', 'to-chuc', { unitId: 'xa-a', kind: 'commune_party', name: 'Xã A', effectiveFrom: '2016-01-01' }),
        ev('UnitRegistered', 'to-chuc', { unitId: 'xa-b', kind: 'commune_party', name: 'Xã B', effectiveFrom: '2016-01-01' }),
      ].join('\n') + '\n',
    );
    expect((await dvk(['import', file])).code).toBe(0);
    const init = await dvk(['admin', 'init', '--json']);
    expect(init.code, init.stderr).toBe(0);
    const admin = (JSON.parse(init.stdout) as { token: string }).token;
    const xaA = (JSON.parse((await dvk(['sources', 'add', 'xa-a', '--units', 'xa-a', '--json'], { DVK_ADMIN_TOKEN: admin })).stdout) as { token: string }).token;
    const bdv = (JSON.parse((await dvk(['sources', 'add', 'bdv', '--json', '--admin-token', admin])).stdout) as { token: string }).token;
    const secrets: Record<string, string> = { admin, xaA, bdv, read: READ };

    const server = await start({ DVK_API_READ_TOKEN: READ, DVK_MAX_BODY_BYTES: '65536' });
    const u = server.url;
    const post = (token: string, body: string, type = 'application/x-ndjson', path = '/v1/events') =>
      fetch(`${u}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body }).then(async (r) => ({ status: r.status, body: await r.text() }));
    try {
      expect((await post(xaA, [ev('DialogueHeld', 'xa-a', { unitId: 'xa-a', heldAt: at, participants: 5 }), ev('DialogueHeld', 'xa-a', { unitId: 'xa-b', heldAt: at, participants: 5 }), '{"id":'].join('\n'))).status).toBe(200);
      expect((await post(`${xaA}x`, '{}')).status).toBe(401);
      expect((await post(bdv, '[{"id":', 'application/json')).status).toBe(400);
      expect((await post(bdv, 'x'.repeat(100_000))).status).toBe(413);
      // tokens where they do not belong: in a query string, a cookie, a custom header
      for (const q of [`token=${xaA}`, `access_token=${READ}`]) expect((await fetch(`${u}/v1/years?${q}`)).status).toBe(401);
      expect((await fetch(`${u}/v1/years`, { headers: { cookie: `token=${READ}`, 'x-api-key': bdv } })).status).toBe(401);
      expect((await fetch(`${u}/v1/years`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(200);
      expect((await fetch(`${u}/v1/years`, { headers: { authorization: `Bearer ${READ}0` } })).status).toBe(401);
      expect((await fetch(`${u}/`)).status).toBe(200);
      // admin over HTTP
      const created = await post(admin, JSON.stringify({ name: 'http-src', units: ['xa-b'] }), 'application/json', '/v1/admin/sources');
      expect(created.status, created.body).toBe(201);
      secrets.http = (JSON.parse(created.body) as { token: string }).token;
      expect((await post(secrets.http, ev('DialogueHeld', 'http-src', { unitId: 'xa-b', heldAt: at, participants: 7 }))).status).toBe(200);
      expect((await fetch(`${u}/v1/admin/sources/http-src`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
      expect((await post(secrets.http, '{}')).status).toBe(401);
      expect((await fetch(`${u}/v1/admin/sources`, { headers: { authorization: `Bearer ${xaA}` } })).status).toBe(401);
    } finally {
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
    }

    expect((await dvk(['sources', 'revoke', 'xa-a'], { DVK_ADMIN_TOKEN: admin })).code).toBe(0);
    expect((await dvk(['sources', 'add', 'nope', '--admin-token', xaA])).code).toBe(1);
    expect((await dvk(['rebuild'], { DVK_ADMIN_TOKEN: `${admin}0` })).code).toBe(1);
    expect((await dvk(['rebuild'], { DVK_ADMIN_TOKEN: admin })).code).toBe(0);
    expect((await dvk(['rulebook', 'use', RULEBOOK], { DVK_ADMIN_TOKEN: admin })).code).toBe(0);
    expect((await dvk(['backup', '--out', join(tmp.dir, 'backup.sqlite')])).code).toBe(0);
    expect((await dvk(['verify'])).code).toBe(0);

    // logging really was on, at debug level, in every process
    const all = logs.map((l) => l.text).join('\n');
    const lines = all.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(40);
    expect(all).toContain('"level":20'); // debug lines
    expect(all).toContain('incoming request');
    expect(all).toContain('"msg":"admin action"');
    expect(all).toContain('unauthorised ingest request');
    expect(all).toContain('admin action refused');

    for (const [name, token] of Object.entries(secrets))
      for (const f of forms(token))
        for (const l of logs) {
          const i = l.text.indexOf(f);
          expect(i, `the ${name} token (as ${f.slice(0, 8)}…) is in the log of \`dvk ${l.cmd}\`: …${l.text.slice(Math.max(0, i - 200), i + 80)}…`).toBe(-1);
        }
  });
});
