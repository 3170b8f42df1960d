import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventStore } from '@dvk/event-store';
import type { ReadModelQueries } from '@dvk/projections';
import { createServiceApp } from '@dvk/service-kit';
import { apiRoutes, type ApiRoutesOptions } from './routes.js';

export { apiRoutes, whyNoScorecard, API_VERSION, type ApiRoutesOptions, type V1Context } from './routes.js';
export { loadApiConfig, ApiConfigSchema, API_ENV, type ApiConfig } from './config.js';
export { dashboardRoutes, DASHBOARD_DIR } from './dashboard.js';
export * as apiSchemas from './schemas.js';

/**
 * service-kit's strict policy, minus helmet's default `upgrade-insecure-requests`: the dashboard is
 * often opened over plain HTTP on the office network (http://192.168.x.y:8080/), where that
 * directive would send every asset and API call to https:// and leave the page blank. Nothing is
 * loosened: still no inline script or style, nothing from another origin.
 */
export const DASHBOARD_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
} satisfies Record<string, string[] | null>; // helmet removes a default directive given as null

export interface BuildApiOptions {
  queries: ReadModelQueries;
  store: Pick<EventStore, 'readAt'>;
  /** The process's one logger; the API logs through `log.child({ component })`. */
  log: Logger;
  readToken?: string | null;
  /** Requests per minute per client address; 0 or undefined: no limit. */
  rateLimitPerMinute?: number;
  dashboard?: boolean;
  extraRoutes?: ApiRoutesOptions['extraRoutes'];
}

/**
 * The standalone API service: service-kit's app (`/healthz`, `/readyz`, `/metrics`, helmet with a
 * strict CSP, rate limit) with the read API, `/openapi.json` and the dashboard mounted. Not
 * listening yet: call `listen` (or `inject` in tests).
 */
export async function buildApi(o: BuildApiOptions): Promise<FastifyInstance> {
  const { app, addReadyCheck } = await createServiceApp({ name: 'api', log: o.log, rateLimitPerMinute: o.rateLimitPerMinute || undefined, csp: DASHBOARD_CSP });
  addReadyCheck({
    name: 'read-model',
    check: () => (o.queries.checkpoint() ? null : 'the read model is empty (no checkpoint): import events first (dvk import) or run the scoring service'),
  });
  await app.register(apiRoutes, { queries: o.queries, store: o.store, log: o.log, readToken: o.readToken ?? null, dashboard: o.dashboard ?? true, serviceEndpoints: true, extraRoutes: o.extraRoutes });
  return app;
}
