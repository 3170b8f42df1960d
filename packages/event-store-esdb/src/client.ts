/**
 * The narrow interface between the adapter and EventStoreDB: exactly the operations the adapter
 * needs, in plain data. `real-client.ts` implements it on `@eventstore/db-client`; the in-process
 * fake (`testing.ts`) implements it in memory with EventStoreDB's observable behaviour (byte
 * positions in one log, exact expected revisions, reads that are inclusive of their start, an
 * error for a read from a position that is not a record boundary, dropped subscriptions), so the
 * adapter's logic is tested against the whole contract suite without a server.
 *
 * Positions are $all positions of EventStoreDB's transaction log (byte offsets). Every event
 * appended through gRPC (no explicit transaction) has commit position = prepare position, so one
 * bigint identifies it.
 */

/** A position in $all: `'start'`, `'end'` or the commit (= prepare) position of an event. */
export type EsdbFrom = 'start' | 'end' | bigint;

export type EsdbExpected = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EsdbEventData {
  /** The event id (a UUID): for dvk events the envelope id. */
  readonly id: string;
  readonly type: string;
  /** JSON data (stored with content type application/json). */
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

export interface EsdbRecorded {
  readonly stream: string;
  readonly id: string;
  readonly type: string;
  readonly revision: bigint;
  /** The JSON data as parsed by the client (a Uint8Array when it was not stored as JSON). */
  readonly data: unknown;
  readonly metadata: unknown;
  /** Commit position in $all; undefined when the server did not report it (stream reads before 22.6). */
  readonly commit: bigint | undefined;
  /** Prepare position; equal to `commit` for events appended without an explicit transaction. */
  readonly prepare: bigint | undefined;
}

export interface EsdbAppendResult {
  /** Revision of the stream's last event after the append. */
  readonly nextExpectedRevision: bigint;
}

export type EsdbErrorKind =
  /** The stream is not at the expected revision (`actual`: its revision, -1n when it does not exist). */
  | 'wrong_expected_version'
  /** The server cannot be reached or did not answer in time: retry later. */
  | 'unavailable'
  /** A read from a position that is not the start of a record in the log. */
  | 'invalid_position'
  /** Authentication or authorisation refused: a configuration problem, not retried. */
  | 'access_denied'
  /** Anything else (a bug, an unexpected server answer). */
  | 'other';

/** The errors the narrow client throws: the real client translates the vendor's errors into these. */
export class EsdbError extends Error {
  constructor(
    readonly kind: EsdbErrorKind,
    message: string,
    readonly details: { stream?: string; actual?: bigint; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'EsdbError';
  }
}

export const isEsdbError = (e: unknown, kind?: EsdbErrorKind): e is EsdbError => e instanceof EsdbError && (kind === undefined || e.kind === kind);

export interface EsdbReadAllOptions {
  readonly from: EsdbFrom;
  readonly direction: 'forwards' | 'backwards';
  readonly maxCount: number;
  /** Keep only streams whose name starts with one of these (server-side where the client can). */
  readonly prefixes?: readonly string[];
}

export interface EsdbReadStreamOptions {
  /** First revision to read (forwards) or last (backwards); `'end'`: the last event. */
  readonly from: bigint | 'start' | 'end';
  readonly direction: 'forwards' | 'backwards';
  readonly maxCount: number;
}

export interface EsdbSubscriptionListener {
  onEvent(e: EsdbRecorded): void;
  /** The server reports the subscription has reached the live point (servers from 23.10 on). */
  onCaughtUp(): void;
  /** The subscription failed (connection dropped, server error): no more events will come. */
  onError(err: EsdbError): void;
  /** The subscription ended without an error (the server closed it). */
  onEnd(): void;
}

export interface EsdbSubscriptionHandle {
  /** Stops the flow of events until resume() (backpressure). */
  pause(): void;
  resume(): void;
  /** Events received by the client but not yet handed to onEvent. */
  buffered(): number;
  close(): Promise<void>;
}

export interface EsdbClient {
  /** Appends atomically; throws EsdbError('wrong_expected_version') when the stream is elsewhere. */
  appendToStream(stream: string, events: readonly EsdbEventData[], expected: EsdbExpected): Promise<EsdbAppendResult>;
  /** Reads a stream; a stream that does not exist reads as empty. */
  readStream(stream: string, opts: EsdbReadStreamOptions): Promise<EsdbRecorded[]>;
  /**
   * Reads $all from a position, inclusive of an event that starts exactly there. Throws
   * EsdbError('invalid_position') when `from` is not the start of a record.
   */
  readAll(opts: EsdbReadAllOptions): Promise<EsdbRecorded[]>;
  /**
   * A catch-up subscription to $all from a position (exclusive of the event at `from`), filtered
   * by stream-name prefixes on the server, then live.
   */
  subscribeToAll(opts: { from: EsdbFrom; prefixes: readonly string[] }, listener: EsdbSubscriptionListener): EsdbSubscriptionHandle;
  close(): Promise<void>;
}
