import type * as E from 'fp-ts/lib/Either.js';
import type { Issue } from '@dvk/contracts';
import type { StoreError } from './port.js';

/**
 * Bad input never disappears (RULEBOOK.md §1): every input that fails the schema, the
 * authorisation or the framing is kept as a dead letter with the reason and the original bytes.
 */
export type DeadLetterChannel = 'file' | 'http' | 'kafka' | 'sheet';

export interface DeadLetter {
  readonly channel: DeadLetterChannel;
  /** The authenticated or declared source, when known. */
  readonly source: string | null;
  /** Where it came from: `file.ndjson:12`, `dvk.evaluation-events/2/1043`, `POST /v1/events#17`. */
  readonly ref: string;
  /** The envelope's id when it could be read. */
  readonly eventId: string | null;
  readonly reason: string;
  readonly issues: readonly Issue[];
  /** The original bytes (as received). */
  readonly raw: string | Uint8Array;
}

export interface StoredDeadLetter extends Omit<DeadLetter, 'raw'> {
  readonly seq: number;
  readonly receivedAt: string;
  readonly raw: string;
  /** SHA-256 of (channel, source, ref, raw): the same bad input from the same source and place, recorded twice, is kept once. */
  readonly key: string;
}

export interface DeadLetterStore {
  /** Records dead letters; returns how many were new. */
  recordDeadLetters(items: readonly DeadLetter[]): Promise<E.Either<StoreError, number>>;
  listDeadLetters(opts?: { channel?: DeadLetterChannel; limit?: number; afterSeq?: number }): Promise<E.Either<StoreError, StoredDeadLetter[]>>;
  countDeadLetters(): Promise<E.Either<StoreError, number>>;
}
