import { afterAll, describe, expect, it } from 'vitest';
import { ndjson, registerSources, registered, startChild, tempDir } from './helpers.js';

/** `pnpm --filter @dvk/svc-ingest start`: the service as its own process. */

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('the standalone ingest service', () => {
  it('stops at start-up with a clear message on a bad setting', async () => {
    const child = startChild({ DVK_DB: tmp.file('bad.sqlite'), DVK_INGEST_PORT: 'http', DVK_KAFKA_SOURCE_MAP: 'x' });
    expect(await child.exited).toBe(2);
    const text = child.logs.map((l) => l.msg).join('\n');
    expect(text).toMatch(/invalid configuration/);
    expect(text).toMatch(/DVK_INGEST_PORT \(port\)/);
    expect(text).toMatch(/DVK_KAFKA_SOURCE_MAP \(kafkaSourceMap\)/);
  });

  it('runs without Kafka (saying so once), takes events over HTTP, and shuts down cleanly on SIGTERM', async () => {
    const db = tmp.file('standalone.sqlite');
    const bdv = registerSources(db, { 'ban-dan-van': {} })['ban-dan-van']!;
    const child = startChild({ DVK_DB: db, DVK_INGEST_PORT: '0' });
    try {
      const listening = await child.waitForLog((l) => l.msg === 'ingest listening');
      const url = String(listening.url);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const r = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${bdv}` },
        body: ndjson([registered('xa-a', 'commune_party', 'ban-dan-van')]),
      });
      expect(await r.json()).toMatchObject({ appended: 1 });
      expect(child.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('no Kafka brokers configured'))).toHaveLength(1);
      // Tokens never reach the log.
      expect(JSON.stringify(child.logs)).not.toContain(bdv);
      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(child.logs.some((l) => l.msg === 'ingest stopped')).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
