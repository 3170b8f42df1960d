import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import { crashPoint } from '@dvk/event-store';
import { KEPT_BYTES, frameBuffer, type Frame, type SourceRecord } from '@dvk/ingestion';
import type { Candidate, Ingestor, ItemResult } from './ingestor.js';
import type { IngestMetrics } from './metrics.js';

/**
 * `POST /v1/events` as a fastify plugin (encapsulated: its body parsers and error handler do not
 * leak into the host app, so `pnpm start` can mount it next to other routes).
 *
 * - `Authorization: Bearer <token>` is checked before the body is read: 401 otherwise.
 * - `application/x-ndjson` / `application/jsonl`: one envelope per line; a line that is not JSON
 *   or not an envelope is rejected alone, with its line number and reason.
 * - `application/json`: an array of envelopes, or one envelope; a body that is not JSON is a 400.
 * - More than `maxBatchEvents` events, or a body over `maxBodyBytes`: 413, nothing appended.
 * - Any other content type: 415.
 * The answer lists each event as appended, duplicate or rejected (with the reason); the whole
 * batch is appended with its dead letters in one transaction, so a retry of the same batch
 * (after a timeout, say) appends nothing twice. A store failure is a 503: nothing was written.
 */

export interface IngestRoutesOptions {
  ingestor: Ingestor;
  metrics: IngestMetrics;
  maxBatchEvents: number;
  maxBodyBytes: number;
  maxLineBytes: number;
}

export const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/ndjson', 'application/x-jsonlines'];
export const JSON_TYPES = ['application/json'];
export const EVENTS_ROUTE = '/v1/events';

export interface ResultLine {
  index: number;
  line: number;
  id: string | null;
  status: ItemResult['status'];
  position?: number;
  code?: string;
  reason?: string;
}

export interface BatchAnswer {
  results: ResultLine[];
  appended: number;
  duplicates: number;
  rejected: number;
}

interface ErrorBody {
  error: string;
  message: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** No envelope is nested deeper than 3 levels; an element deeper than this is refused unread. */
const MAX_ELEMENT_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (iteratively: any depth is safe to ask about). */
function nestedDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (typeof x === 'object' && x !== null) stack.push([x, d + 1]);
  }
  return false;
}

function mediaType(header: string | undefined): { type: string; charset: string | null } | null {
  if (!header) return null;
  const [type, ...params] = header.split(';');
  let charset: string | null = null;
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === 'charset') charset = (v ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return { type: (type ?? '').trim().toLowerCase(), charset };
}

function bearer(header: string | undefined): string | null {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, o) => {
  const sourceOf = new WeakMap<FastifyRequest, SourceRecord>();

  // Bodies arrive as bytes whatever their type: the handler frames them and answers 415 itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      o.metrics.requestsRefused.inc({ code: 'payload_too_large' });
      req.log.info({ source: sourceOf.get(req)?.name ?? null, status: 413 }, 'ingest request refused: body too large');
      return reply.code(413).send({ error: 'payload_too_large', message: `the body is larger than ${o.maxBodyBytes} bytes: split the batch` } satisfies ErrorBody);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      o.metrics.requestsRefused.inc({ code: err.code ?? 'bad_request' });
      return reply.code(err.statusCode).send({ error: err.code ?? 'bad_request', message: err.message } satisfies ErrorBody);
    }
    req.log.error({ err }, 'ingest request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; the batch may be retried as is' } satisfies ErrorBody);
  });

  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const token = bearer(header);
    const src = token ? o.ingestor.sources.authenticate(token) : null;
    if (!src) {
      o.metrics.authFailures.inc();
      req.log.info({ reason: header ? 'invalid token' : 'no token' }, 'unauthorised ingest request');
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="dvk-ingest"')
        .send({
          error: 'unauthorized',
          message: token ? 'the bearer token is not valid (unknown or revoked)' : 'an "Authorization: Bearer <token>" header is required',
        } satisfies ErrorBody);
    }
    sourceOf.set(req, src);
  };

  const fail = (reply: FastifyReply, code: number, error: string, message: string) => {
    o.metrics.requestsRefused.inc({ code: error });
    reply.request.log.info({ source: sourceOf.get(reply.request)?.name ?? null, status: code, error, reason: message.slice(0, 300) }, 'ingest request refused');
    return reply.code(code).send({ error, message } satisfies ErrorBody);
  };
  /** A body refused whole is also a dead letter (its first bytes, the reason), like any bad line. */
  const refuseBody = async (reply: FastifyReply, src: SourceRecord, body: Buffer, error: string, message: string) => {
    const r = await o.ingestor.recordRefused({
      channel: 'http',
      source: src.name,
      ref: `POST ${EVENTS_ROUTE}`,
      eventId: null,
      reason: message,
      issues: [{ path: '', message }],
      raw: body.subarray(0, KEPT_BYTES),
    });
    if (E.isLeft(r)) reply.request.log.error({ err: r.left.message }, 'could not record a refused body as a dead letter');
    return fail(reply, 400, error, message);
  };

  app.post(EVENTS_ROUTE, { bodyLimit: o.maxBodyBytes, onRequest: authenticate }, async (req, reply) => {
    const src = sourceOf.get(req);
    if (!src) return fail(reply, 401, 'unauthorized', 'not authenticated');
    const mt = mediaType(req.headers['content-type']);
    const isNdjson = mt !== null && NDJSON_TYPES.includes(mt.type);
    const isJson = mt !== null && JSON_TYPES.includes(mt.type);
    if (!isNdjson && !isJson)
      return fail(reply, 415, 'unsupported_media_type', `Content-Type must be application/x-ndjson (or application/jsonl) or application/json, not ${mt?.type.slice(0, 100) || 'missing'}`);
    if (mt.charset !== null && mt.charset !== 'utf-8' && mt.charset !== 'utf8')
      return fail(reply, 415, 'unsupported_media_type', `the body must be UTF-8, not ${mt.charset.slice(0, 40)}`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

    const frames: Frame[] = [];
    if (isNdjson) {
      for await (const f of frameBuffer(body, { maxLineBytes: o.maxLineBytes })) {
        frames.push(f);
        if (frames.length > o.maxBatchEvents) break;
      }
    } else {
      let text: string;
      try {
        text = decoder.decode(body);
      } catch {
        return refuseBody(reply, src, body, 'malformed_json', 'the body is not valid UTF-8; nothing was appended');
      }
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return refuseBody(reply, src, body, 'malformed_json', `the body is not valid JSON (${(err as Error).message.slice(0, 200)}); nothing was appended`);
      }
      const items = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? [value] : null;
      if (items === null) return refuseBody(reply, src, body, 'bad_request', 'the body must be an event envelope or an array of envelopes; nothing was appended');
      if (items.length > o.maxBatchEvents) return tooMany(reply, `${items.length}`);
      items.forEach((item, i) => {
        // Re-serialising a value nested thousands deep would overflow the stack: refuse it unread.
        if (nestedDeeper(item, MAX_ELEMENT_DEPTH)) {
          const reason = `element ${i + 1} is nested more than ${MAX_ELEMENT_DEPTH} levels deep: not an event envelope`;
          frames.push({ kind: 'error', line: i + 1, reason, raw: new TextEncoder().encode(`(element ${i + 1} of a JSON array body: nested too deeply to keep)`), bytes: 0 });
          return;
        }
        const t = JSON.stringify(item) ?? 'null';
        frames.push({ kind: 'line', line: i + 1, text: t, bytes: Buffer.byteLength(t) });
      });
    }
    if (frames.length > o.maxBatchEvents) return tooMany(reply, `more than ${o.maxBatchEvents}`);
    if (frames.length === 0) return fail(reply, 400, 'empty_batch', 'the body holds no events');

    const candidates: Candidate[] = frames.map((f) => ({ frame: f, ref: `POST ${EVENTS_ROUTE}#${f.line}`, source: src }));
    const r = await o.ingestor.ingest('http', candidates);
    crashPoint('ingest.http.appended');
    if (E.isLeft(r)) {
      reply.header('retry-after', '1');
      return fail(reply, 503, 'store_unavailable', 'the store could not append the batch; nothing was written, retry the same batch');
    }
    const answer: BatchAnswer = { results: [], appended: 0, duplicates: 0, rejected: 0 };
    r.right.forEach((x, i) => {
      const line = frames[i]!.line;
      if (x.status === 'rejected') {
        answer.rejected++;
        answer.results.push({ index: i, line, id: x.id, status: x.status, code: x.code, reason: x.reason });
      } else {
        if (x.status === 'appended') answer.appended++;
        else answer.duplicates++;
        answer.results.push({ index: i, line, id: x.id, status: x.status, position: x.position });
      }
    });
    req.log.info({ source: src.name, events: frames.length, appended: answer.appended, duplicates: answer.duplicates, rejected: answer.rejected }, 'batch ingested');
    return reply.code(200).send(answer);
  });

  function tooMany(reply: FastifyReply, got: string) {
    return fail(reply, 413, 'too_many_events', `a batch holds at most ${o.maxBatchEvents} events (got ${got}); nothing was appended: split it`);
  }
};
