// The container health check of every dvk service (Dockerfile HEALTHCHECK, compose healthcheck):
// GET http://127.0.0.1:$DVK_HEALTH_PORT/readyz, healthy on 2xx. The slim image has no curl.
const port = process.env.DVK_HEALTH_PORT ?? '8080';
const path = process.env.DVK_HEALTH_PATH ?? '/readyz';
try {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  if (!r.ok) process.stderr.write(`${path}: ${r.status} ${(await r.text()).slice(0, 500)}\n`);
  process.exit(r.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`${path}: ${err?.message ?? err}\n`);
  process.exit(1);
}
