import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../services/cli/src/app.js';
import { serve, type Served } from '../../services/cli/src/serve.js';
import { ALL, tempDir } from '../support.js';
import pino from 'pino';

/**
 * The embedded server of `dvk start` (dashboard, read API, ingest, admin on one port), as an
 * attacker on the network sees it: security headers on the dashboard and every answer, the read
 * API behind its token when DVK_API_READ_TOKEN is set (and no other kind of token opening it),
 * the body size limit and the rate limit.
 */

const tmp = tempDir('dvk-sec-serve-');
const READ = 'read-token-for-the-dashboard-0123';
const ENV = { DVK_API_READ_TOKEN: READ, DVK_RATE_LIMIT_PER_MINUTE: '60', DVK_MAX_BODY_BYTES: '4096' };
let app: App;
let served: Served;
let url: string;
let sourceToken: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  app = openApp({ db: tmp.file('serve.sqlite'), logLevel: 'silent' }, pino({ level: 'silent' }), { create: true });
  served = await serve(app, app.log, { port: 0, host: '127.0.0.1' });
  url = served.url;
  sourceToken = served.ingest.ingestor.sources.add('bdv', ALL);
});
afterAll(async () => {
  await served?.stop();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  tmp.cleanup();
});

describe('security headers', () => {
  it('the dashboard and its assets carry a strict CSP and the other protective headers', async () => {
    for (const path of ['/', '/assets/app.js', '/assets/vendor/uPlot.esm.js']) {
      const r = await fetch(`${url}${path}`);
      if (path !== '/' && r.status === 404) continue; // asset names may change; the page itself must exist
      expect(r.status, path).toBe(200);
      const csp = r.headers.get('content-security-policy') ?? '';
      for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"]) expect(csp, path).toContain(d);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(csp).not.toContain('upgrade-insecure-requests'); // the office network serves plain HTTP
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(r.headers.get('x-powered-by')).toBeNull();
      await r.arrayBuffer();
    }
  });

  it('API and error answers carry them too', async () => {
    for (const [path, status] of [
      ['/v1/years', 401],
      ['/healthz', 200],
      ['/nope', 404],
    ] as const) {
      const r = await fetch(`${url}${path}`);
      expect(r.status, path).toBe(status);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
      await r.arrayBuffer();
    }
  });
});

describe('the read API behind DVK_API_READ_TOKEN', () => {
  it('answers only to the read token; not to a source token or a wrong one', async () => {
    const get = (auth?: string) => fetch(`${url}/v1/years`, { headers: auth ? { authorization: auth } : {} });
    for (const auth of [undefined, `Bearer ${READ.slice(0, -1)}`, `Bearer ${sourceToken}`, `Basic ${READ}`, `Bearer ${READ} x`, 'Bearer']) {
      const r = await get(auth);
      expect(r.status, String(auth)).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = await r.text();
      expect(body).not.toContain(READ);
    }
    const ok = await get(`Bearer ${READ}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    await ok.arrayBuffer();
    // the process endpoints stay open for probes (they tell nothing about the evaluation)
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('the read token is neither a source token nor an admin token', async () => {
    const post = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/x-ndjson' }, body: '{}\n' });
    expect(post.status).toBe(401);
    await post.arrayBuffer();
    const admin = await fetch(`${url}/v1/admin/sources`, { headers: { authorization: `Bearer ${READ}` } });
    expect([401, 403]).toContain(admin.status);
    await admin.arrayBuffer();
  });
});

describe('limits', () => {
  it('refuses a body over DVK_MAX_BODY_BYTES with 413', async () => {
    const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/x-ndjson' }, body: 'x'.repeat(10_000) });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 429 beyond DVK_RATE_LIMIT_PER_MINUTE, on every route but the probes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 70 && !statuses.includes(429); i++) {
      const r = await fetch(`${url}/v1/years`, { headers: { authorization: `Bearer ${READ}` } });
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    expect(statuses).toContain(429);
    const dash = await fetch(`${url}/`);
    expect(dash.status).toBe(429);
    expect(dash.headers.get('x-content-type-options')).toBe('nosniff');
    await dash.arrayBuffer();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
