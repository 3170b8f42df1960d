import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import * as E from 'fp-ts/lib/Either.js';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { RANK_LISTS, YearReport, type RankList } from '@dvk/contracts';
import { langFromAcceptLanguage, parseLang, renderer, type Renderer } from '@dvk/messages';
import type { EventStore } from '@dvk/event-store';
import { explainUnitYear, rejectedWithIds, type ReadModelQueries, type UnitRow, type YearRow } from '@dvk/projections';
import { dashboardRoutes } from './dashboard.js';
import { notFound, sendResult, storeFailed, type ApiError } from './errors.js';
import {
  ErrorBody,
  KpiHistoryResponse,
  KpisResponse,
  RankingParams,
  RankingQuery,
  RankingView,
  RejectedQuery,
  RejectedResponse,
  SearchQuery,
  SearchResponse,
  UnitParams,
  UnitResponse,
  UnitYearParams,
  UnitYearResponse,
  YearParams,
  YearsResponse,
  apiSchemaRegistry,
} from './schemas.js';
import type { z } from 'zod';

/**
 * The read API as one fastify plugin, so that it can be mounted in any fastify app (the
 * standalone `main.ts`, or one process next to the other services):
 *
 *   await app.register(apiRoutes, { queries, store, log })
 *
 * It brings its own zod validator/serializer, error handler, optional bearer token (for `/v1`
 * only), the OpenAPI document at `/openapi.json` and, unless `dashboard: false`, the dashboard
 * page at `/`. Everything is read from the read model (`rm_*` tables) and the log; nothing is
 * written.
 */
export interface ApiRoutesOptions {
  queries: ReadModelQueries;
  store: Pick<EventStore, 'readAt'>;
  log: Logger;
  /** When set, every `/v1` endpoint needs `Authorization: Bearer <readToken>`. */
  readToken?: string | null;
  /** Serve the dashboard at `/` (default true). */
  dashboard?: boolean;
  /** Also document `/healthz`, `/readyz`, `/metrics` (served by service-kit's app) in the OpenAPI document. */
  serviceEndpoints?: boolean;
  /**
   * More `/v1` routes from other packages (e.g. the year's exports `GET /years/:year/export.xlsx`),
   * registered inside the `/v1` context: they get the `/v1` prefix, the token check, the JSON
   * errors, the zod compilers and a place in the OpenAPI document.
   */
  extraRoutes?: FastifyPluginAsync<V1Context>[];
}

/** What an extra `/v1` plugin is given. */
export interface V1Context {
  queries: ReadModelQueries;
  store: Pick<EventStore, 'readAt'>;
  log: Logger;
}

export const API_VERSION = '1.0.0';

const ERRORS = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody } as const;
const ERRORS_NO_404 = { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody, 503: ErrorBody } as const;

const isRankList = (s: string): s is RankList => (RANK_LISTS as readonly string[]).includes(s);

export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (app, opts) => {
  const log = opts.log.child({ component: 'api' });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(log));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dvk read API',
        version: API_VERSION,
        description:
          'Rankings, KPIs and explanations of the yearly "dân vận" evaluation, read from the read model. ' +
          'Figures equal `dvk report --json`. Errors are `{ error, message }`.',
      },
      tags: [
        { name: 'years', description: 'years, KPIs, reports' },
        { name: 'rankings', description: 'ranking lists' },
        { name: 'units', description: 'units and their explained scorecards' },
        { name: 'audit', description: 'rejected facts' },
        { name: 'service', description: 'health and metrics' },
      ],
      ...(opts.readToken ? { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] } : {}),
    },
    transform: createJsonSchemaTransform({ schemaRegistry: apiSchemaRegistry }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: apiSchemaRegistry }),
  });

  await app.register(v1Routes, { ...opts, prefix: '/v1' });

  let doc: string | null = null;
  app.get('/openapi.json', { schema: { hide: true } }, async (_req, reply) => {
    doc ??= JSON.stringify(polishDocument(app.swagger() as OpenApiDoc, opts.serviceEndpoints ?? false));
    return reply.type('application/json; charset=utf-8').send(doc);
  });

  if (opts.dashboard ?? true) await app.register(dashboardRoutes);
};

// --- /v1 ----------------------------------------------------------------------------------------

const v1Routes: FastifyPluginAsync<ApiRoutesOptions> = async (plain, opts) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const { queries, store } = opts;

  if (opts.readToken) app.addHook('onRequest', bearerCheck(opts.readToken));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', opts.readToken ? 'private, no-store' : 'no-cache');
    return payload;
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no endpoint ${req.method} ${req.url.split('?')[0]}` });
  });

  const yearRow = (year: number): E.Either<ApiError, YearRow> => {
    const row = queries.years().find((y) => y.year === year);
    return row ? E.right(row) : E.left(notFound('year', `no results for year ${year} (years with results: ${queries.years().map((y) => y.year).join(', ') || 'none'})`));
  };

  app.get(
    '/years',
    { schema: { tags: ['years'], summary: 'Years with results, the log position they reflect, whether closed, the rulebook', response: { 200: YearsResponse, ...ERRORS_NO_404 } } },
    async () => {
      const cp = queries.checkpoint();
      return {
        years: queries.years().map((y) => ({ ...y, closed: y.closedPosition !== null })),
        checkpoint: cp ? { position: cp.position, events: cp.events, updatedAt: cp.updated_at } : null,
      };
    },
  );

  app.get(
    '/kpis',
    { schema: { tags: ['years'], summary: "Every year's KPIs (for charts over the years)", response: { 200: KpiHistoryResponse, ...ERRORS_NO_404 } } },
    async () => ({
      years: queries.years().flatMap((y) => {
        const r = queries.report(y.year);
        return r ? [{ year: y.year, closed: y.closedPosition !== null, kpis: r.kpis }] : [];
      }),
    }),
  );

  app.get(
    '/years/:year/report',
    {
      schema: {
        tags: ['years'],
        summary: 'The year report, byte for byte the canonical JSON `dvk report --json` prints',
        params: YearParams,
        response: { 200: YearReport, ...ERRORS },
      },
    },
    async (req, reply) => {
      const json = queries.reportJson(req.params.year);
      if (json === null) return sendResult(reply, yearRow(req.params.year));
      // Sent as stored (canonical JSON), not re-serialised: the same bytes as the CLI.
      // (fastify sends a string with a JSON content type unchanged; the cast only satisfies the typed reply)
      return reply.type('application/json; charset=utf-8').send(json as unknown as YearReport);
    },
  );

  app.get(
    '/years/:year/kpis',
    {
      schema: {
        tags: ['years'],
        summary: "The year's KPIs against the plan's targets, each with its rule and the units counted",
        params: YearParams,
        response: { 200: KpisResponse, ...ERRORS },
      },
    },
    async (req, reply) => {
      const { year } = req.params;
      const row = yearRow(year);
      if (E.isLeft(row)) return sendResult(reply, row);
      const report = queries.report(year);
      const explain = queries.kpiExplain(year) ?? [];
      if (!report) return sendResult(reply, E.left(notFound('year', `no report for year ${year}`)));
      return sendResult(
        reply,
        E.right({
          year,
          closed: row.right.closedPosition !== null,
          position: row.right.position,
          rulebook: report.rulebook,
          kpis: report.kpis,
          explain: Object.fromEntries(explain.map((k) => [k.id, textOf(req).withText({ rule: k.rule, computation: k.computation, counted: k.counted, of: k.of })])),
        }),
      );
    },
  );

  app.get(
    '/years/:year/rankings/:list',
    {
      schema: {
        tags: ['rankings'],
        summary: 'A ranking list: the latest published version (or ?version=N), else the current content as "unpublished"',
        params: RankingParams,
        querystring: RankingQuery,
        response: { 200: RankingView, ...ERRORS },
      },
    },
    async (req, reply) => sendResult(reply, ranking(queries, req.params.year, req.params.list, req.query.version)),
  );

  app.get(
    '/years/:year/units/:unitId',
    {
      schema: {
        tags: ['units'],
        summary: "A unit's scorecard of a year: every criterion with its rule, computation and the events behind it",
        params: UnitYearParams,
        response: { 200: UnitYearResponse, ...ERRORS },
      },
    },
    async (req, reply) => {
      const { year, unitId } = req.params;
      const row = yearRow(year);
      if (E.isLeft(row)) return sendResult(reply, row);
      const unit = queries.unit(unitId);
      const x = await explainUnitYear(queries, store, unitId, year);
      if (E.isLeft(x)) return sendResult(reply, E.left(storeFailed(x.left)));
      if (x.right === null) return sendResult(reply, E.left(unit ? notFound('scorecard', whyNoScorecard(unit, year)) : notFound('unit', `unknown unit ${unitId}`)));
      const { scorecard, events, rejected } = x.right;
      const t = textOf(req);
      return sendResult(
        reply,
        E.right({
          unit: unit ? unitInfo(unit, t) : null,
          scorecard: t.withText(scorecard) as unknown as z.input<typeof UnitYearResponse>['scorecard'],
          events: Object.fromEntries(Object.entries(events)),
          rejected: t.withText(rejected) as unknown as z.input<typeof UnitYearResponse>['rejected'],
          years: queries.scorecardsOfUnit(unitId).map((c) => c.year),
        }),
      );
    },
  );

  app.get(
    '/units',
    {
      schema: {
        tags: ['units'],
        summary: 'Search units by name (diacritics-insensitive: "dan van" finds "Dân vận") or id',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...ERRORS_NO_404 },
      },
    },
    async (req) => ({ query: req.query.q, units: queries.searchUnits(req.query.q, req.query.limit).map((u) => unitInfo(u, textOf(req))) }),
  );

  app.get(
    '/units/:unitId',
    {
      schema: {
        tags: ['units'],
        summary: 'A unit and its results in every year it has a scorecard',
        params: UnitParams,
        response: { 200: UnitResponse, ...ERRORS },
      },
    },
    async (req, reply) => {
      const unit = queries.unit(req.params.unitId);
      if (!unit) return sendResult(reply, E.left(notFound('unit', `unknown unit ${req.params.unitId}`)));
      return sendResult(
        reply,
        E.right({
          unit: unitInfo(unit, textOf(req)),
          years: queries.scorecardsOfUnit(unit.unitId).map((c) => ({
            year: c.year,
            list: c.list as RankList,
            name: c.name,
            complete: c.complete,
            total: c.total,
            tier: c.tier as z.input<typeof UnitResponse>['years'][number]['tier'],
            rank: c.rank,
            titles: c.titles as z.input<typeof UnitResponse>['years'][number]['titles'],
          })),
        }),
      );
    },
  );

  app.get(
    '/rejected',
    {
      schema: {
        tags: ['audit'],
        summary: 'Rejected facts: events kept in the log but excluded from scoring, with the reason (a page at a time)',
        querystring: RejectedQuery,
        response: { 200: RejectedResponse, ...ERRORS_NO_404 },
      },
    },
    async (req, reply) => {
      const { year, limit, offset } = req.query;
      const rows = await rejectedWithIds(queries, store, { year, limit, offset });
      if (E.isLeft(rows)) return sendResult(reply, E.left(storeFailed(rows.left)));
      const items = textOf(req).withText(rows.right) as unknown as z.input<typeof RejectedResponse>['items'];
      return sendResult(reply, E.right({ total: queries.rejectedCount(year), offset, limit, items }));
    },
  );

  for (const extra of opts.extraRoutes ?? []) await app.register(extra, { queries, store, log: opts.log });
};

// --- pieces -------------------------------------------------------------------------------------

function ranking(queries: ReadModelQueries, year: number, list: string, version: number | undefined): E.Either<ApiError, z.input<typeof RankingView>> {
  if (!isRankList(list)) return E.left(notFound('list', `unknown ranking list "${list}" (lists: ${RANK_LISTS.join(', ')})`));
  if (!queries.years().some((y) => y.year === year)) return E.left(notFound('year', `no results for year ${year}`));
  const current = queries.rankingContent(year, list);
  const published = queries.publishedRankings(year, list);
  const versions = published.map((m) => m.version);
  const msg = version === undefined ? published.at(-1) : published.find((m) => m.version === version);
  if (version !== undefined && !msg)
    return E.left(notFound('version', `ranking ${year}/${list} has no published version ${version} (published: ${versions.join(', ') || 'none'})`));
  if (msg) return E.right({ ...msg, versions, current: current?.digest === msg.contentDigest });
  if (!current) return E.left(notFound('ranking', `no ranking ${list} for year ${year}`));
  return E.right({
    year,
    list,
    status: 'unpublished',
    version: null,
    position: current.position,
    contentDigest: current.digest,
    logDigest: null,
    rulebook: current.content.rulebook,
    versions,
    current: true,
    content: current.content,
  });
}

function unitInfo(u: UnitRow, t: Renderer): z.input<typeof SearchResponse>['units'][number] {
  return t.withText({ ...u, kind: u.kind as z.input<typeof SearchResponse>['units'][number]['kind'] }) as z.input<typeof SearchResponse>['units'][number];
}

/**
 * The renderer of a request's language: `?lang=vi|en` first, then `Accept-Language`, else
 * Vietnamese. Answers keep each message's code and parameters next to its text.
 */
export function textOf(req: FastifyRequest): Renderer {
  const q = req.raw.url?.includes('lang=') ? new URL(req.raw.url, 'http://x').searchParams.get('lang') : null;
  return renderer(parseLang(q) ?? langFromAcceptLanguage(req.headers['accept-language']));
}

/** Why a registered unit has no scorecard in a year, from what the unit index knows. */
export function whyNoScorecard(u: UnitRow, year: number): string {
  const head = `${u.unitId} has no scorecard for ${year}`;
  if (u.kind === 'village') return `${head}: villages have no scoresheet; they count only for K6 (model coverage)`;
  if (u.registeredFrom > `${year}-12-31`) return `${head}: it is registered from ${u.registeredFrom}`;
  if (u.ended) return `${head}: it is not on the roll of ${year} (${renderer('en').render(u.ended)})`;
  return `${head}: it is not on the roll of ${year}`;
}

function bearerCheck(token: string) {
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    const given = m?.[1] ? createHash('sha256').update(m[1], 'utf8').digest() : null;
    if (given && timingSafeEqual(given, expected)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="dvk"')
      .send({ error: 'unauthorized', message: m ? 'the bearer token is not valid' : 'this API requires Authorization: Bearer <token>' });
  };
}

function errorHandler(log: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const message = err.validation.map((v) => `${where}${v.instancePath === '/' ? '' : v.instancePath} ${v.message}`).join('; ');
      return reply.code(400).send({ error: 'bad_request', message });
    }
    if (err.statusCode === 429) return reply.code(429).send({ error: 'too_many_requests', message: err.message });
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 && !isResponseSerializationError(err))
      return reply.code(400).send({ error: 'bad_request', message: err.message });
    if (isResponseSerializationError(err)) log.error({ err, issues: err.cause.issues, url: req.url.split('?')[0] }, 'response does not match its schema');
    else log.error({ err, url: req.url.split('?')[0] }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  };
}

interface OpenApiDoc {
  paths?: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
  components?: { schemas?: Record<string, Record<string, unknown>> };
  [k: string]: unknown;
}

const RESPONSE_TEXT: Record<string, string> = {
  '200': 'OK',
  '400': 'Bad request: a parameter is not valid (the message names it)',
  '401': 'A bearer token is required (DVK_API_READ_TOKEN is set) or the one given is not valid',
  '404': 'Unknown year, list, unit, version or endpoint',
  '429': 'Too many requests from this address',
  '503': 'The event store could not be read',
};

/**
 * Tidies the generated document: readable response descriptions, component schemas without the
 * JSON-Schema `$schema`/`$id` keys zod emits, and only the components something refers to.
 */
function polishDocument(doc: OpenApiDoc, serviceEndpoints: boolean): OpenApiDoc {
  for (const item of Object.values(doc.paths ?? {}))
    for (const op of Object.values(item)) for (const [code, r] of Object.entries(op.responses ?? {})) if (r.description === 'Default Response') r.description = RESPONSE_TEXT[code] ?? r.description;
  if (serviceEndpoints) doc.paths = { ...doc.paths, ...(SERVICE_PATHS as unknown as OpenApiDoc['paths']) };
  const schemas = doc.components?.schemas ?? {};
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  const refsIn = (v: unknown) => [...JSON.stringify(v).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  const used = new Set<string>();
  const queue = refsIn(doc.paths);
  while (queue.length) {
    const id = queue.pop()!;
    if (used.has(id)) continue;
    used.add(id);
    queue.push(...refsIn(schemas[id] ?? {}));
  }
  for (const id of Object.keys(schemas)) if (!used.has(id)) delete schemas[id];
  return doc;
}

/** The service endpoints of service-kit's app, for the OpenAPI document of the standalone API. */
const SERVICE_PATHS = {
  '/healthz': { get: { tags: ['service'], summary: 'Liveness', responses: { 200: { description: '{ status: "ok" }' } } } },
  '/readyz': { get: { tags: ['service'], summary: 'Readiness: the read model is there', responses: { 200: { description: 'ready' }, 503: { description: 'not ready, with the reasons' } } } },
  '/metrics': { get: { tags: ['service'], summary: 'Prometheus metrics (text format)', responses: { 200: { description: 'metrics' } } } },
};

