import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import { z } from 'zod';
import { Scope, type Actor, type AdminRegistry, type SourceRegistry } from '@dvk/ingestion';

/**
 * The admin endpoints, under `/v1/admin`, answering only to an admin token
 * (`Authorization: Bearer dvka_…`, from `dvk admin init|add`); never to a source token, and not at
 * all while the store has no admin (over the network there is no bootstrap: see SECURITY.md).
 *
 * - `GET /v1/admin/sources` — the sources, their scopes, revoked or not (never tokens).
 * - `POST /v1/admin/sources` — `{ name, units?, descendants?, kinds?, types?, replace? }`: registers
 *   a source (or issues a new token with `replace`); answers 201 with its token, shown once.
 * - `DELETE /v1/admin/sources/:name` — revokes a source: its token stops working at once.
 * - `GET /v1/admin/log` — the latest admin actions (who, what, when).
 * Every action is recorded in the store's admin log. Answers carry `Cache-Control: no-store`.
 */

export interface AdminRoutesOptions {
  admins: AdminRegistry;
  sources: SourceRegistry;
}

export const ADMIN_PREFIX = '/v1/admin';

const NewSource = z.strictObject({
  name: z.string(),
  units: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]).default('*'),
  descendants: z.boolean().default(false),
  kinds: Scope.shape.kinds.default('*'),
  types: Scope.shape.types.default('*'),
  replace: z.boolean().default(false),
});

const bearer = (h: string | undefined): string | null => /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h ?? '')?.[1] ?? null;

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, o) => {
  const actorOf = new WeakMap<FastifyRequest, Actor>();
  const fail = (reply: FastifyReply, code: number, error: string, message: string) => reply.code(code).send({ error, message });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const r = o.admins.authorize(bearer(req.headers.authorization), { allowBootstrap: false });
    if (E.isLeft(r)) {
      req.log.info({ reason: r.left.reason }, 'admin request refused');
      if (r.left.reason === 'no_admin') return fail(reply, 403, 'admin_not_initialised', r.left.message);
      reply.header('www-authenticate', 'Bearer realm="dvk-admin"');
      return fail(reply, 401, 'unauthorized', r.left.reason === 'token_required' ? 'an admin token is required: Authorization: Bearer <admin token>' : r.left.message);
    }
    actorOf.set(req, r.right);
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return fail(reply, err.statusCode, err.code ?? 'bad_request', err.message);
    req.log.error({ err }, 'admin request failed');
    return fail(reply, 500, 'internal', 'internal error');
  });

  app.get(`${ADMIN_PREFIX}/sources`, async () => ({ sources: o.sources.list() }));

  app.get(`${ADMIN_PREFIX}/log`, async () => ({ actions: o.admins.history(200) }));

  app.post(`${ADMIN_PREFIX}/sources`, { bodyLimit: 64 << 10 }, async (req, reply) => {
    const actor = actorOf.get(req)!;
    const parsed = NewSource.safeParse(req.body);
    if (!parsed.success) return fail(reply, 400, 'bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { name, replace, ...scope } = parsed.data;
    let token: string;
    try {
      token = o.sources.add(name, scope, { replace });
    } catch (err) {
      // the registry's refusals: a bad name, or a name taken without `replace`
      return fail(reply, 409, 'conflict', (err as Error).message);
    }
    o.admins.record(actor, 'sources.add', { source: name, scope, replace });
    req.log.info({ action: 'sources.add', actor: actor.name, source: name }, 'admin action');
    return reply.code(201).send({ name, scope: o.sources.get(name)?.scope ?? scope, token });
  });

  app.delete<{ Params: { name: string } }>(`${ADMIN_PREFIX}/sources/:name`, async (req, reply) => {
    const actor = actorOf.get(req)!;
    const name = req.params.name;
    if (!o.sources.revoke(name)) return fail(reply, 404, 'not_found', `no active source named "${name.slice(0, 140)}"`);
    o.admins.record(actor, 'sources.revoke', { source: name });
    req.log.info({ action: 'sources.revoke', actor: actor.name, source: name }, 'admin action');
    return { revoked: name };
  });
};
