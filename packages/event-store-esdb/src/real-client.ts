import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  START,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { Logger } from 'pino';
import {
  EsdbError,
  type EsdbClient,
  type EsdbExpected,
  type EsdbFrom,
  type EsdbReadAllOptions,
  type EsdbRecorded,
  type EsdbSubscriptionHandle,
  type EsdbSubscriptionListener,
} from './client.js';

/**
 * The narrow client on `@eventstore/db-client` 6 (gRPC). Vendor errors become EsdbError kinds
 * here, and nowhere else.
 *
 * Filtered reads of $all: the client's public `readAll` sends "no filter", although the server's
 * Read call accepts the same stream-name prefix filter as a subscription. When the client's
 * internals it needs are present (checked once, at start-up), `readAll` with prefixes builds that
 * Read request itself, mirroring the client's own `readAll` and `subscribeToAll` code, so the
 * server filters. Otherwise — or with `serverSideFilter: false` — it reads $all unfiltered and
 * filters in the client (correct, about twice the traffic: every dvk event has a claim event).
 */

export interface RealClientOptions {
  /** Use the server-side prefix filter for reads when the client allows it (default true). */
  serverSideFilter?: boolean;
}

const isCommand = (err: unknown): err is Parameters<typeof isCommandError>[0] & { type: ErrorType } => err instanceof Error && isCommandError(err);

/** Translates an error of @eventstore/db-client (or of gRPC underneath) into an EsdbError. */
export function toEsdbError(err: unknown, context = ''): EsdbError {
  if (err instanceof EsdbError) return err;
  const what = context ? `${context}: ` : '';
  if (isCommand(err)) {
    const message = `${what}${err.message}`;
    switch (err.type) {
      case ErrorType.WRONG_EXPECTED_VERSION: {
        const actual = (err as { actualVersion?: bigint | 'no_stream' }).actualVersion;
        return new EsdbError('wrong_expected_version', message, {
          stream: (err as { streamName?: string }).streamName,
          actual: typeof actual === 'bigint' ? actual : -1n,
          cause: err,
        });
      }
      case ErrorType.UNAVAILABLE:
      case ErrorType.DEADLINE_EXCEEDED:
      case ErrorType.TIMEOUT:
      case ErrorType.NOT_LEADER:
      case ErrorType.CANCELLED:
        return new EsdbError('unavailable', message, { cause: err });
      case ErrorType.ACCESS_DENIED:
        return new EsdbError('access_denied', message, { cause: err });
      default:
        return new EsdbError('other', message, { cause: err });
    }
  }
  const e = err as { message?: string; code?: string | number };
  const message = `${what}${e?.message ?? String(err)}`;
  // Connection failures below the client's own error types (discovery, sockets).
  if (
    typeof e?.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/.test(e.code)
  )
    return new EsdbError('unavailable', message, { cause: err });
  if (/discover|connect|unavailable|socket|ECONNREFUSED|ECONNRESET|No connection established/i.test(message))
    return new EsdbError('unavailable', message, { cause: err });
  return new EsdbError('other', message, { cause: err });
}

const toReadPosition = (from: EsdbFrom): ReadPosition => (from === 'start' ? START : from === 'end' ? END : { commit: from, prepare: from });

function convert(r: ResolvedEvent | AllStreamResolvedEvent): EsdbRecorded | null {
  const e = r.event;
  if (!e) return null;
  const position = (e as { position?: { commit: bigint; prepare: bigint } }).position;
  return {
    stream: e.streamId,
    id: e.id,
    type: e.type,
    revision: e.revision,
    data: e.data,
    metadata: e.metadata,
    commit: position?.commit,
    prepare: position?.prepare,
  };
}

const startsWithAny = (stream: string, prefixes: readonly string[]) => prefixes.some((p) => stream.startsWith(p));

// --- server-side filtered reads through the client's own gRPC plumbing ------------------------

type FilteredReader = (client: EventStoreDBClient, o: EsdbReadAllOptions & { prefixes: readonly string[] }) => Readable;

interface ClientInternals {
  GRPCStreamCreator: (ctor: unknown, debugName: string, creator: (c: { read: (...args: unknown[]) => unknown }) => unknown) => () => Promise<unknown>;
  callArguments: (base: object, call?: object) => unknown[];
}

/** Builds a filtered Read request as the client builds its own reads; null when its internals moved. */
function loadFilteredReader(log: Logger): FilteredReader | null {
  try {
    const req = createRequire(import.meta.url);
    const base = dirname(req.resolve('@eventstore/db-client/package.json'));
    const pb = req(join(base, 'generated/streams_pb.js'));
    const shared = req(join(base, 'generated/shared_pb.js'));
    const grpc = req(join(base, 'generated/streams_grpc_pb.js'));
    const { ReadStream } = req(join(base, 'dist/streams/utils/ReadStream.js'));
    const { convertGrpcEvent } = req(join(base, 'dist/utils/convertGrpcEvent.js'));
    const needed = [pb?.ReadReq?.Options?.FilterOptions?.Expression, pb?.ReadReq?.Options?.AllOptions, shared?.Empty, grpc?.StreamsClient, ReadStream, convertGrpcEvent];
    if (needed.some((x) => typeof x !== 'function')) throw new Error('expected classes not found');
    return (client, o) => {
      const internals = client as unknown as ClientInternals;
      if (typeof internals.GRPCStreamCreator !== 'function' || typeof internals.callArguments !== 'function') throw new Error('client internals not found');
      const Options = pb.ReadReq.Options;
      const options = new Options();
      const uuidOption = new Options.UUIDOption();
      uuidOption.setString(new shared.Empty());
      const all = new Options.AllOptions();
      if (o.from === 'start') all.setStart(new shared.Empty());
      else if (o.from === 'end') all.setEnd(new shared.Empty());
      else {
        const pos = new Options.Position();
        pos.setCommitPosition(o.from.toString(10));
        pos.setPreparePosition(o.from.toString(10));
        all.setPosition(pos);
      }
      options.setAll(all);
      options.setResolveLinks(false);
      options.setCount(String(o.maxCount));
      options.setUuidOption(uuidOption);
      options.setReadDirection(o.direction === 'forwards' ? 0 : 1);
      const expr = new Options.FilterOptions.Expression();
      expr.setPrefixList([...o.prefixes]);
      const filter = new Options.FilterOptions();
      filter.setStreamIdentifier(expr);
      filter.setCount(new shared.Empty());
      filter.setCheckpointintervalmultiplier(1);
      options.setFilter(filter);
      const request = new pb.ReadReq();
      request.setOptions(options);
      const create = internals.GRPCStreamCreator(grpc.StreamsClient, 'readAll (filtered)', (c) => c.read(request, ...internals.callArguments({}, { deadline: Infinity })));
      return new ReadStream(create, convertGrpcEvent, {}) as Readable;
    };
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'server-side filtered reads unavailable with this @eventstore/db-client; filtering $all reads in the client');
    return null;
  }
}

// --- the client ---------------------------------------------------------------------------------

export function connectEsdbClient(connectionString: string, log: Logger, opts: RealClientOptions = {}): EsdbClient {
  const client = EventStoreDBClient.connectionString(connectionString);
  const filtered = opts.serverSideFilter === false ? null : loadFilteredReader(log);

  async function collect(stream: AsyncIterable<ResolvedEvent | AllStreamResolvedEvent>, context: string, keep?: (r: EsdbRecorded) => boolean): Promise<EsdbRecorded[]> {
    const out: EsdbRecorded[] = [];
    try {
      for await (const r of stream) {
        const c = convert(r);
        if (c && (!keep || keep(c))) out.push(c);
      }
    } catch (err) {
      if (isCommand(err) && err.type === ErrorType.STREAM_NOT_FOUND) return [];
      throw toEsdbError(err, context);
    }
    return out;
  }

  async function readAllRaw(o: EsdbReadAllOptions): Promise<EsdbRecorded[]> {
    const context = `read $all from ${String(o.from)}`;
    try {
      const stream = client.readAll({ fromPosition: toReadPosition(o.from), direction: o.direction === 'forwards' ? FORWARDS : BACKWARDS, maxCount: o.maxCount });
      return await collect(stream, context);
    } catch (err) {
      throw classifyPositional(err, o.from, context);
    }
  }

  /** A read at a given position that fails for a reason other than the connection: not a record start. */
  function classifyPositional(err: unknown, from: EsdbFrom, context: string): EsdbError {
    const e = toEsdbError(err, context);
    if (typeof from === 'bigint' && e.kind === 'other') return new EsdbError('invalid_position', e.message, { cause: e });
    return e;
  }

  /** Client-side filtering: pages of $all, kept by prefix, until maxCount matched or the end. */
  async function readAllFilteredInClient(o: EsdbReadAllOptions & { prefixes: readonly string[] }): Promise<EsdbRecorded[]> {
    const out: EsdbRecorded[] = [];
    let from: EsdbFrom = o.from;
    let last: bigint | undefined;
    const page = Math.max(64, Math.min(4096, o.maxCount * 2));
    for (;;) {
      const raw = await readAllRaw({ from, direction: o.direction, maxCount: page });
      let fresh = 0;
      for (const r of raw) {
        if (last !== undefined && r.commit !== undefined && (o.direction === 'forwards' ? r.commit <= last : r.commit >= last)) continue;
        fresh++;
        if (startsWithAny(r.stream, o.prefixes)) {
          out.push(r);
          if (out.length >= o.maxCount) return out;
        }
      }
      const tail = raw[raw.length - 1];
      if (raw.length < page || fresh === 0 || !tail || tail.commit === undefined) return out;
      last = tail.commit;
      from = tail.commit;
    }
  }

  return {
    async appendToStream(stream, events, expected: EsdbExpected) {
      try {
        const r = await client.appendToStream(
          stream,
          events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
          { expectedRevision: expected as AppendExpectedRevision },
        );
        return { nextExpectedRevision: r.nextExpectedRevision };
      } catch (err) {
        throw toEsdbError(err, `append to ${stream}`);
      }
    },

    async readStream(stream, o) {
      const from = o.from === 'start' ? START : o.from === 'end' ? END : o.from;
      try {
        const s = client.readStream(stream, { fromRevision: from, direction: o.direction === 'forwards' ? FORWARDS : BACKWARDS, maxCount: o.maxCount });
        return await collect(s, `read ${stream}`);
      } catch (err) {
        if (isCommand(err) && err.type === ErrorType.STREAM_NOT_FOUND) return [];
        throw toEsdbError(err, `read ${stream}`);
      }
    },

    async readAll(o) {
      if (!o.prefixes) return readAllRaw(o);
      const prefixes = o.prefixes;
      if (!filtered) return readAllFilteredInClient({ ...o, prefixes });
      const context = `read $all (filtered) from ${String(o.from)}`;
      try {
        const stream = filtered(client, { ...o, prefixes }) as unknown as AsyncIterable<ResolvedEvent>;
        // The server filters; the prefix check here only guards against a server that ignored it.
        return await collect(stream, context, (r) => startsWithAny(r.stream, prefixes));
      } catch (err) {
        throw classifyPositional(err, o.from, context);
      }
    },

    subscribeToAll(o, listener: EsdbSubscriptionListener): EsdbSubscriptionHandle {
      let ended = false;
      const finish = (fn: () => void) => {
        if (ended) return;
        ended = true;
        fn();
      };
      const sub = client.subscribeToAll({ fromPosition: toReadPosition(o.from), filter: streamNameFilter({ prefixes: [...o.prefixes] }) });
      sub.on('data', (r: AllStreamResolvedEvent) => {
        const c = convert(r);
        if (c && !ended) listener.onEvent(c);
      });
      sub.on('caughtUp', () => !ended && listener.onCaughtUp());
      sub.on('error', (err: unknown) => finish(() => listener.onError(toEsdbError(err, 'subscription to $all'))));
      sub.on('end', () => finish(() => listener.onEnd()));
      sub.on('close', () => finish(() => listener.onEnd()));
      return {
        pause: () => void sub.pause(),
        resume: () => void sub.resume(),
        buffered: () => sub.readableLength,
        async close() {
          ended = true;
          try {
            await sub.unsubscribe();
          } catch {
            // already gone
          }
        },
      };
    },

    async close() {
      await client.dispose();
    },
  };
}
