import { Counter, Gauge, Histogram, type Registry } from '@dvk/service-kit';

/**
 * The ingest metrics (Prometheus text on `/metrics`). Rejections are labelled by a small, fixed
 * set of reason codes (the full reason is in the answer, the dead letter and the DLQ), so the
 * label values stay few.
 */
export interface IngestMetrics {
  readonly appended: Counter<'channel'>;
  readonly duplicates: Counter<'channel'>;
  readonly rejected: Counter<'channel' | 'reason'>;
  readonly batchSeconds: Histogram<'channel'>;
  readonly authFailures: Counter<string>;
  /** Requests refused whole (400, 413, 415), by code: nothing of them was appended. */
  readonly requestsRefused: Counter<'code'>;
  /** Where `dvk_ingest_read_model_position` reads from at every scrape (the read model's checkpoint). */
  setReadModelPositionSource(source: () => number): void;
}

/** Per registry: the function the position gauge reads (mounting the routes twice shares it). */
const positionSources = new WeakMap<Registry, () => number>();

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The metrics, registered once per registry (mounting the routes twice reuses them). */
export function ingestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  once(registry, 'dvk_ingest_read_model_position', () =>
    new Gauge({
      name: 'dvk_ingest_read_model_position',
      help: 'Log position of the read model (unit index) the scope checks use, read at every scrape',
      registers,
      collect() {
        const source = positionSources.get(registry);
        if (source) this.set(source());
      },
    }),
  );
  return {
    appended: once(registry, 'dvk_ingest_events_appended_total', () =>
      new Counter({ name: 'dvk_ingest_events_appended_total', help: 'Events appended to the store', labelNames: ['channel'], registers }),
    ),
    duplicates: once(registry, 'dvk_ingest_events_duplicate_total', () =>
      new Counter({ name: 'dvk_ingest_events_duplicate_total', help: 'Events already in the store (same id, same content): not appended again', labelNames: ['channel'], registers }),
    ),
    rejected: once(registry, 'dvk_ingest_events_rejected_total', () =>
      new Counter({ name: 'dvk_ingest_events_rejected_total', help: 'Events refused and dead-lettered, by reason code', labelNames: ['channel', 'reason'], registers }),
    ),
    batchSeconds: once(registry, 'dvk_ingest_batch_duration_seconds', () =>
      new Histogram({
        name: 'dvk_ingest_batch_duration_seconds',
        help: 'Time to validate, authorise and durably append one batch',
        labelNames: ['channel'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    ),
    authFailures: once(registry, 'dvk_ingest_auth_failures_total', () =>
      new Counter({ name: 'dvk_ingest_auth_failures_total', help: 'HTTP requests refused for a missing or invalid token', registers }),
    ),
    requestsRefused: once(registry, 'dvk_ingest_requests_refused_total', () =>
      new Counter({ name: 'dvk_ingest_requests_refused_total', help: 'HTTP requests refused whole (malformed body, too large, wrong content type), by error code', labelNames: ['code'], registers }),
    ),
    setReadModelPositionSource: (source) => void positionSources.set(registry, source),
  };
}
