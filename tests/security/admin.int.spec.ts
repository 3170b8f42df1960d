import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminRegistry } from '@dvk/ingestion';
import { ALL, ROOT, runCli, startTestIngest, tempDir } from '../support.js';

/**
 * The admin role, separate from sources: `dvk admin init` bootstraps a store (allowed to whoever
 * can write the file, once); from then on `sources add|revoke`, `rebuild`, `rulebook use` and
 * `admin add|revoke` need an admin token — never a source token — and every admin action is in
 * the admin log. Over HTTP the admin endpoints answer only to an admin token, never bootstrap.
 */

const tmp = tempDir('dvk-sec-admin-');
afterAll(() => tmp.cleanup());
const RULEBOOK = fileURLToPath(new URL('examples/rulebooks/tan-yen-2016-dvk90.json', `file://${ROOT}/`));

const tokenOf = (stdout: string) => (JSON.parse(stdout) as { token: string }).token;

describe('dvk admin and the admin actions of the CLI', () => {
  const db = tmp.file('cli.sqlite');
  const dvk = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['--db', db, ...args], { DVK_ADMIN_TOKEN: undefined, ...env });

  it('bootstraps: before an admin exists, admin actions are open (file access is the root of trust)', async () => {
    const add = await dvk(['sources', 'add', 'xa-a', '--units', 'xa-a', '--json']);
    expect(add.code, add.error ?? '').toBe(0);
    expect((await dvk(['admin', 'list'])).stdout).toMatch(/Chưa có quản trị viên/);
  });

  let admin = '';
  let source = '';
  it('dvk admin init prints a token once, and only once per store', async () => {
    const init = await dvk(['admin', 'init', '--name', 'truong-ban', '--json']);
    expect(init.code, init.error ?? '').toBe(0);
    admin = tokenOf(init.stdout);
    expect(admin).toMatch(/^dvka_[A-Za-z0-9_-]{43}$/);
    const again = await dvk(['admin', 'init', '--json']);
    expect(again.code).toBe(1);
    expect(again.error).toMatch(/an admin exists already/);
    expect(again.stdout).toBe('');
  });

  it('then refuses admin actions without an admin token, with a wrong one, or with a source token', async () => {
    source = tokenOf((await dvk(['sources', 'add', 'xa-b', '--json'], { DVK_ADMIN_TOKEN: admin })).stdout);
    const attempts: [string[], Record<string, string | undefined>][] = [
      [['sources', 'add', 'xa-c'], {}],
      [['sources', 'add', 'xa-c'], { DVK_ADMIN_TOKEN: source }],
      [['sources', 'add', 'xa-c', '--admin-token', source], {}],
      [['sources', 'add', 'xa-c', '--admin-token', `${admin}x`], {}],
      [['sources', 'revoke', 'xa-a'], {}],
      [['sources', 'revoke', 'xa-a'], { DVK_ADMIN_TOKEN: source }],
      [['rebuild'], {}],
      [['rebuild'], { DVK_ADMIN_TOKEN: 'dvka_not-a-token' }],
      [['rulebook', 'use', RULEBOOK], {}],
      [['rulebook', 'use', RULEBOOK], { DVK_ADMIN_TOKEN: source }],
      [['admin', 'add', 'someone'], {}],
      [['admin', 'add', 'someone'], { DVK_ADMIN_TOKEN: source }],
      [['admin', 'revoke', 'truong-ban'], {}],
    ];
    for (const [args, env] of attempts) {
      const r = await dvk(args, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.error, args.join(' ')).toMatch(/admin action: give an admin token|admin token is not valid/);
      expect(r.stdout).toBe('');
    }
    const list = JSON.parse((await dvk(['sources', 'list', '--json'])).stdout) as { name: string; revokedAt: string | null }[];
    expect(list.map((s) => [s.name, s.revokedAt])).toEqual([
      ['xa-a', null],
      ['xa-b', null],
    ]);
  });

  it('and performs them with the admin token (environment or option), recording each in the admin log', async () => {
    expect((await dvk(['sources', 'add', 'xa-c', '--json'], { DVK_ADMIN_TOKEN: admin })).code).toBe(0);
    expect((await dvk(['sources', 'revoke', 'xa-a', '--admin-token', admin])).code).toBe(0);
    const rb = await dvk(['rulebook', 'use', RULEBOOK], { DVK_ADMIN_TOKEN: admin });
    expect(rb.code, rb.error ?? '').toBe(0);
    expect((await dvk(['rebuild'], { DVK_ADMIN_TOKEN: admin })).code).toBe(0);
    const second = await dvk(['admin', 'add', 'pho-ban', '--json'], { DVK_ADMIN_TOKEN: admin });
    expect(second.code).toBe(0);
    const admin2 = tokenOf(second.stdout);
    // the last admin cannot be revoked; a revoked admin's token stops working
    expect((await dvk(['admin', 'revoke', 'truong-ban'], { DVK_ADMIN_TOKEN: admin2 })).code).toBe(0);
    const last = await dvk(['admin', 'revoke', 'pho-ban'], { DVK_ADMIN_TOKEN: admin2 });
    expect(last.error).toMatch(/last active admin/);
    expect((await dvk(['sources', 'add', 'xa-d'], { DVK_ADMIN_TOKEN: admin })).error).toMatch(/admin token is not valid/);

    const log = JSON.parse((await dvk(['admin', 'log', '--json'])).stdout) as { actor: string; action: string; detail: string }[];
    expect(log.map((l) => `${l.actor}: ${l.action}`).reverse()).toEqual([
      'anyone (no admin yet: file access): sources.add',
      'truong-ban (no admin yet: file access): admin.init',
      'truong-ban: sources.add',
      'truong-ban: sources.add',
      'truong-ban: sources.revoke',
      'truong-ban: rulebook.use',
      'truong-ban: rebuild',
      'truong-ban: admin.add',
      'pho-ban: admin.revoke',
    ]);
    const all = JSON.stringify(log);
    for (const t of [admin, admin2, source]) expect(all).not.toContain(t);
  });
});

describe('the HTTP admin endpoints', () => {
  it('are closed until an admin exists, answer only admin tokens, and manage sources', async () => {
    const svc = await startTestIngest(tmp.file('http.sqlite'));
    try {
      const ingestToken = svc.ingestor.sources.add('bdv', ALL);
      const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string | null, body?: unknown) =>
        svc.app.app.inject({ method, url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });

      // no admin yet: no bootstrap over the network
      const closed = await call('POST', '/v1/admin/sources', null, { name: 'evil' });
      expect(closed.statusCode).toBe(403);
      expect(closed.json()).toMatchObject({ error: 'admin_not_initialised' });

      const init = new AdminRegistry(svc.store.db).init('root');
      if (init._tag === 'Left') throw new Error(init.left.message);
      const admin = init.right;

      for (const t of [null, ingestToken, 'dvka_nope', `${admin} `.repeat(2)]) {
        const r = await call('GET', '/v1/admin/sources', t);
        expect(r.statusCode, String(t)).toBe(401);
        expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      // an admin token is not a source token either
      const asSource = await svc.app.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-ndjson' }, payload: '{}' });
      expect(asSource.statusCode).toBe(401);

      const created = await call('POST', '/v1/admin/sources', admin, { name: 'xa-a', units: ['xa-a'], descendants: true, types: ['DialogueHeld'] });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const { token } = created.json() as { token: string };
      expect(token).toMatch(/^dvk_/);
      expect((await call('POST', '/v1/admin/sources', admin, { name: 'xa-a' })).statusCode).toBe(409);
      expect((await call('POST', '/v1/admin/sources', admin, { name: 'bad name!' })).statusCode).toBe(409);
      expect((await call('POST', '/v1/admin/sources', admin, { name: 'x', types: ['NoSuchType'] })).statusCode).toBe(400);
      expect((await call('POST', '/v1/admin/sources', admin, { name: 'x', extra: 1 })).statusCode).toBe(400);

      const event = { id: randomUUID(), type: 'DialogueHeld', schemaVersion: 1, source: 'xa-a', occurredAt: '2019-10-15T08:00:00+07:00', data: { unitId: 'xa-a', heldAt: '2019-10-15T08:00:00+07:00', participants: 3 } };
      const postAs = (t: string) => svc.app.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(event) });
      expect((await postAs(token)).statusCode).toBe(200);

      const list = await call('GET', '/v1/admin/sources', admin);
      expect((list.json() as { sources: { name: string }[] }).sources.map((s) => s.name)).toEqual(['bdv', 'xa-a']);
      expect(list.body).not.toContain(token);

      expect((await call('DELETE', '/v1/admin/sources/xa-a', admin)).statusCode).toBe(200);
      expect((await call('DELETE', '/v1/admin/sources/xa-a', admin)).statusCode).toBe(404);
      expect((await postAs(token)).statusCode).toBe(401);

      const log = await call('GET', '/v1/admin/log', admin);
      expect((log.json() as { actions: { action: string; actor: string }[] }).actions.map((a) => `${a.actor}: ${a.action}`)).toEqual(['root: sources.revoke', 'root: sources.add', 'root (no admin yet: file access): admin.init']);
      expect(log.body).not.toContain(token);
    } finally {
      await svc.close();
    }
  });
});
