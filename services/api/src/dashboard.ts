import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The dashboard: one HTML page at `/`, plain ES modules and CSS under `/assets/` (no bundler, no
 * CDN), uPlot served from node_modules under `/assets/vendor/`. Everything works offline and under
 * the strict CSP of service-kit (no inline script or style). Paths are relative, so the page also
 * works when the plugin is mounted under a prefix.
 */
export const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));

const require = createRequire(import.meta.url);
const VENDOR: Record<string, { file: string; type: string }> = {
  'uPlot.esm.js': { file: require.resolve('uplot/dist/uPlot.esm.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const index = readFileSync(`${DASHBOARD_DIR}index.html`);
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index));
  await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/assets/', wildcard: false, decorateReply: false, index: false, maxAge: 0 });
  for (const [name, v] of Object.entries(VENDOR)) {
    const body = readFileSync(v.file);
    app.get(`/assets/vendor/${name}`, { schema: { hide: true } }, async (_req, reply) =>
      reply.type(v.type).header('cache-control', 'public, max-age=86400').send(body),
    );
  }
};
