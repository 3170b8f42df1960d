import { createHash } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import * as E from 'fp-ts/lib/Either.js';
import { RANK_LISTS, RefId, type LogDigest, type YearReport } from '@dvk/contracts';
import { checkScope, type SourceRecord, type UnitLookup } from '@dvk/ingestion';
import { buildContext, nameAt, roll, type Rulebook, type ScoringState } from '@dvk/scoring';
import { XLSX_TYPE, exportYear } from './export.js';
import type { RollEntry } from './read-sheet.js';
import { importSheet, type SheetImportSummary, type SheetStore } from './sheet-import.js';

/**
 * HTTP shells of issue 9, as fastify plugins for the services to mount.
 *
 * `sheetsRoute` — `POST /v1/sheets?assessor=ID&role=official|self[&partial=true][&dryRun=true][&year=Y]`
 * with the returned XLSX as the raw body (`Content-Type:
 * application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`, or
 * `application/octet-stream`) and `Authorization: Bearer <source token>`. The source must be
 * allowed `CriterionAssessed` events; every cell is checked against its scope like an event of
 * `POST /v1/events`, and the events carry the source's name. Answers: 200 with the import
 * summary; 401 without a valid token; 403 when the source may not emit assessments or every
 * problem is a scope problem; 422 with every problem (sheet, cell, code, reason) when the file
 * is rejected; 400 for bad parameters; 503 when the store is unavailable (retry).
 *
 * Mount it in services/ingest (SQLite embedded mode):
 *
 *   const store = openSqliteEventStore({ path });
 *   await app.register(sheetsRoute({
 *     store,
 *     sources: new SourceRegistry(store.db),
 *     scopeLookup: readModelUnitLookup(store.db),
 *     roll: (year) => rollFromState(projection.current, year, rulebooks.forYear(year)),
 *     // or, without a projection in the process: rollFromReport(readModelQueries(store.db).report(year))
 *     rulebookFor: (year) => rulebooks.forYear(year),
 *     afterAppend: () => projections.nudge(),   // optional
 *   }));
 *
 * `exportsRoute` — `GET /years/:year/export.xlsx` and `GET /years/:year/export/:part.csv`, to be
 * registered under `/v1` (the API's `extraRoutes` does that, with its token check)
 * (`part`: kpis or a rank list), the downloads the dashboard links to. Mount it in services/api.
 */

export interface SheetsRouteOptions {
  store: SheetStore;
  /** Bearer tokens of upstream sources (`SourceRegistry` of @dvk/ingestion). */
  sources: { authenticate(token: string | undefined | null): SourceRecord | null };
  /** Kinds and parents of units, for the scope check (`readModelUnitLookup`). */
  scopeLookup: UnitLookup;
  /** Units on the roll of a year (see `rollFromReport`). */
  roll: (year: number) => ReadonlyMap<string, RollEntry>;
  rulebookFor: (year: number) => Rulebook;
  /** Called after events were appended (e.g. to catch the projections up). */
  afterAppend?: (summary: SheetImportSummary) => Promise<void> | void;
  /** Largest accepted file (default 20 MiB). */
  bodyLimit?: number;
  /** Default `/v1/sheets`. */
  path?: string;
}

/** The roll of a year from the read model's report (empty when the year has no results yet: see `rollFromState`). */
export function rollFromReport(report: YearReport | null): ReadonlyMap<string, RollEntry> {
  return new Map((report?.units ?? []).map((u) => [u.unitId, { kind: u.kind, name: u.name }]));
}

/**
 * The roll of a year from the scoring state (a projection's `current`): every unit active on
 * 31 December with a scoresheet under the rulebook — also for a year nothing was assessed in yet.
 */
export function rollFromState(state: ScoringState, year: number, rulebook: Rulebook): ReadonlyMap<string, RollEntry> {
  const ctx = buildContext(state);
  const out = new Map<string, RollEntry>();
  for (const id of roll(ctx, year)) {
    const reg = ctx.reg.get(id);
    const facts = state.units.get(id);
    if (!reg || !facts || !rulebook.groupOfKind[reg.kind]) continue;
    out.set(id, { kind: reg.kind, name: nameAt(ctx, facts, year) });
  }
  return out;
}

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === '');
const SheetQuery = z.strictObject({
  assessor: RefId,
  role: z.enum(['official', 'self'], { error: 'must be official or self' }),
  partial: flag,
  dryRun: flag,
  year: z
    .string()
    .regex(/^\d{4}$/, { error: 'must be a four-digit year' })
    .transform(Number)
    .optional(),
});

const bearer = (h: string | undefined): string | null => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h ?? '');
  return m ? m[1]! : null;
};

function fail(reply: FastifyReply, status: number, error: string, message: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).send({ error, message, ...extra });
}

export function sheetsRoute(o: SheetsRouteOptions): FastifyPluginAsync {
  const bodyLimit = o.bodyLimit ?? 20 * 1024 * 1024;
  return async (app) => {
    const sourceOf = new WeakMap<FastifyRequest, SourceRecord>();
    app.addContentTypeParser([XLSX_TYPE, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, 'payload_too_large', `the file is larger than ${bodyLimit} bytes`);
      if (err.statusCode === 415 || err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        return fail(reply, 415, 'unsupported_media_type', `send the XLSX file as the request body with Content-Type: ${XLSX_TYPE}`);
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return fail(reply, err.statusCode, err.code ?? 'bad_request', err.message);
      req.log.error({ err }, 'sheet import failed');
      return fail(reply, 500, 'internal', 'internal error; nothing was appended unless the answer said so');
    });
    // The token is checked before the body is read.
    const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
      const source = o.sources.authenticate(bearer(req.headers.authorization));
      if (!source) {
        reply.header('www-authenticate', 'Bearer realm="dvk"');
        return fail(reply, 401, 'unauthorized', 'a valid source token is required: Authorization: Bearer <token>');
      }
      sourceOf.set(req, source);
    };
    app.post(o.path ?? '/v1/sheets', { bodyLimit, onRequest: authenticate }, async (req, reply) => {
      const source = sourceOf.get(req);
      if (!source) return fail(reply, 401, 'unauthorized', 'not authenticated');
      if (source.scope.types !== '*' && !source.scope.types.includes('CriterionAssessed'))
        return fail(reply, 403, 'forbidden', `source "${source.name}" may not emit CriterionAssessed events`);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== XLSX_TYPE && type !== 'application/octet-stream')
        return fail(reply, 415, 'unsupported_media_type', `send the XLSX file as the request body with Content-Type: ${XLSX_TYPE}`);
      const q = SheetQuery.safeParse(req.query);
      if (!q.success)
        return fail(reply, 400, 'bad_request', 'bad query parameters', {
          issues: q.error.issues.map((i) => ({ path: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : ''), message: i.message })),
        });
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        return fail(reply, 400, 'bad_request', `send the XLSX file as the request body with Content-Type: ${XLSX_TYPE}`);
      const fileId = createHash('sha256').update(body).digest('hex').slice(0, 16);
      const r = await importSheet(o.store, body, {
        assessorId: q.data.assessor,
        role: q.data.role,
        source: source.name,
        rulebookFor: o.rulebookFor,
        roll: o.roll,
        year: q.data.year,
        authorize: (e) => checkScope(source, e, o.scopeLookup),
        ref: `POST /v1/sheets/${fileId}`,
        partial: q.data.partial,
        dryRun: q.data.dryRun,
      });
      if (E.isLeft(r)) {
        const err = r.left;
        if (err._tag === 'SheetRejected') {
          const scopeOnly = err.problems.length > 0 && err.problems.every((p) => p.code === 'out_of_scope');
          return fail(reply, scopeOnly ? 403 : 422, scopeOnly ? 'forbidden' : 'sheet_rejected', err.message, { problems: err.problems, validCells: err.validCells });
        }
        req.log.error({ err: err.message }, 'sheet import: store unavailable');
        return fail(reply, 503, 'unavailable', err.message, { retriable: err.retriable });
      }
      if (r.right.appended > 0) await o.afterAppend?.(r.right);
      return reply.code(200).send(r.right);
    });
  };
}

export interface ExportsRouteOptions {
  /** The year's report and what the export prints with it; null when the year has no results. */
  data: (year: number) => Promise<{ report: YearReport; rulebook: Rulebook; logDigest?: LogDigest; reportDigest?: string } | null>;
}

export function exportsRoute(o: ExportsRouteOptions): FastifyPluginAsync {
  return async (app) => {
    const yearOf = (p: unknown) => {
      const y = Number((p as { year?: string }).year);
      return Number.isInteger(y) && y >= 2016 && y <= 9999 ? y : null;
    };
    app.get('/years/:year/export.xlsx', async (req, reply) => {
      const year = yearOf(req.params);
      const d = year === null ? null : await o.data(year);
      if (!d) return fail(reply, 404, 'not_found', `no results for year ${String((req.params as { year?: string }).year)}`);
      const [f] = await exportYear(d.report, 'xlsx', d);
      return reply.header('content-type', f!.mediaType).header('content-disposition', `attachment; filename="dvk-${year}.xlsx"`).send(f!.body);
    });
    app.get('/years/:year/export/:part', async (req, reply) => {
      const year = yearOf(req.params);
      const part = String((req.params as { part?: string }).part ?? '').replace(/\.csv$/, '');
      if (!['kpis', ...RANK_LISTS].includes(part)) return fail(reply, 404, 'not_found', `no export part "${part}" (kpis, ${RANK_LISTS.join(', ')})`);
      const d = year === null ? null : await o.data(year);
      if (!d) return fail(reply, 404, 'not_found', `no results for year ${String((req.params as { year?: string }).year)}`);
      const f = (await exportYear(d.report, 'csv', d)).find((x) => x.part === part);
      if (!f) return fail(reply, 404, 'not_found', `no units of list ${part} in ${year}`);
      return reply.header('content-type', f.mediaType).header('content-disposition', `attachment; filename="dvk-${year}.${f.suffix}"`).send(f.body);
    });
  };
}
