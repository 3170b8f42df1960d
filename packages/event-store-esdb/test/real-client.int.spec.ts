import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { connectEsdbClient, isEsdbError } from '../src/index.js';

/**
 * The real client without a server: against a closed loopback port every operation fails as
 * `unavailable` (what the adapter and the services retry on), none with a TypeError — which also
 * shows the server-side-filtered read is built from the installed client's own request classes.
 */
describe('real client, no server listening', () => {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  const client = connectEsdbClient('esdb://127.0.0.1:1?tls=false', log);
  afterAll(() => client.close());

  it('uses server-side filtered reads with this @eventstore/db-client (no fallback warning)', () => {
    expect(lines.join('')).not.toContain('server-side filtered reads unavailable');
  });

  it.each([
    ['append', () => client.appendToStream('unit-x', [{ id: crypto.randomUUID(), type: 'T', data: {}, metadata: {} }], 'no_stream')],
    ['read a stream', () => client.readStream('unit-x', { from: 'end', direction: 'backwards', maxCount: 1 })],
    ['read $all', () => client.readAll({ from: 'start', direction: 'forwards', maxCount: 1 })],
    ['read $all filtered at a position', () => client.readAll({ from: 5n, direction: 'forwards', maxCount: 1, prefixes: ['unit-', 'district'] })],
  ] as const)('%s fails as unavailable', async (_name, op) => {
    const err = await (op as () => Promise<unknown>)().then(() => null, (e: unknown) => e);
    expect(isEsdbError(err, 'unavailable')).toBe(true);
  });

  it('a subscription reports the failure to its listener', async () => {
    const err = await new Promise<unknown>((resolve) => {
      client.subscribeToAll({ from: 'start', prefixes: ['unit-'] }, { onEvent() {}, onCaughtUp() {}, onError: resolve, onEnd: () => resolve('ended') });
    });
    expect(isEsdbError(err, 'unavailable')).toBe(true);
  });
});
