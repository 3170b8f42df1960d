import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { parseEnvelope, type Envelope } from '@dvk/contracts';
import { ScoringProjection, catchUp } from '@dvk/projections';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { IngestConfig, startIngest } from '@dvk/svc-ingest';

/**
 * The server side of `pnpm test:load` (tests/load/load.ts starts it as a child process, so that
 * the clients do not share its event loop): the ingest service on a fresh SQLite store, on
 * 127.0.0.1 and a free port, with a registry of units and sources. Prints one JSON line
 * (`{ url, tokens, communes, villages }`) when it serves; stops on SIGTERM.
 */

const { values } = parseArgs({ options: { db: { type: 'string' }, projection: { type: 'string', default: 'follow' }, communes: { type: 'string', default: '50' }, scoped: { type: 'string', default: '8' } } });
if (!values.db) throw new Error('--db is required');
const COMMUNES = Number(values.communes);
const SCOPED = Number(values.scoped);
const VILLAGES = 8;

const log = pino({ level: process.env.DVK_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const svc = await startIngest({
  config: IngestConfig.parse({ db: values.db, host: '127.0.0.1', port: 0, logLevel: 'warn', projection: values.projection, maxBatchEvents: 10_000 }),
  log,
});

const pad = (n: number) => String(n).padStart(3, '0');
const communes = Array.from({ length: COMMUNES }, (_, i) => `xa-${pad(i + 1)}`);
const villages: Record<string, string[]> = Object.fromEntries(communes.map((c) => [c, Array.from({ length: VILLAGES }, (_, j) => `${c}-thon-${j + 1}`)]));
const at = '2016-01-04T08:00:00+07:00';
const reg = (unitId: string, kind: string, parentId?: string): Envelope => {
  const p = parseEnvelope({ id: randomUUID(), type: 'UnitRegistered', schemaVersion: 1, source: 'to-chuc', occurredAt: at, data: { unitId, kind, name: `Đơn vị ${unitId}`, ...(parentId ? { parentId } : {}), effectiveFrom: '2016-01-01' } });
  if (E.isLeft(p)) throw new Error(p.left.message);
  return p.right;
};
const registry = communes.flatMap((c) => [reg(c, 'commune_party'), ...villages[c]!.map((v) => reg(v, 'village', c))]);
const r = await svc.store.appendMany(registry);
if (E.isLeft(r)) throw new Error(r.left.message);
await svc.ingestor.syncReadModel();
if (values.projection === 'off') {
  // Ingest leaves the read model to another component then (the scoring service): build its unit
  // index once, as that component would have, so that the scope checks know the registry.
  const c = await catchUp(svc.store, new ScoringProjection({ db: svc.store.db, rulebooks: rulebookSet([defaultRulebook()]), log }));
  if (E.isLeft(c)) throw new Error(c.left.message);
}

const all = svc.ingestor.sources.add('ban-dan-van', { units: '*', descendants: false, kinds: '*', types: '*' });
const scoped = Object.fromEntries(communes.slice(0, SCOPED).map((c) => [c, svc.ingestor.sources.add(c, { units: [c], descendants: true, kinds: '*', types: '*' })]));

process.stdout.write(JSON.stringify({ url: svc.url, registry: registry.length, tokens: { all, scoped }, communes, villages }) + '\n');

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void svc.close().then(() => process.exit(0));
});
