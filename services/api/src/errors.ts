import type { FastifyReply } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { StoreError } from '@dvk/event-store';
import type { ErrorBody } from './schemas.js';

/**
 * The API's errors at the edge, as tagged data (DESIGN.md §2): handlers return
 * `Either<ApiError, T>` and `sendResult` maps each tag to a status and a JSON body
 * `{ error, message }`. Only bugs throw.
 */
export type ApiError =
  | { readonly _tag: 'NotFound'; readonly what: 'year' | 'unit' | 'list' | 'version' | 'scorecard' | 'ranking'; readonly message: string }
  | { readonly _tag: 'StoreFailed'; readonly cause: StoreError };

export const notFound = (what: Extract<ApiError, { _tag: 'NotFound' }>['what'], message: string): ApiError => ({ _tag: 'NotFound', what, message });
export const storeFailed = (cause: StoreError): ApiError => ({ _tag: 'StoreFailed', cause });

export function errorResponse(e: ApiError): { status: 404 | 503; body: ErrorBody } {
  switch (e._tag) {
    case 'NotFound':
      return { status: 404, body: { error: 'not_found', message: e.message } };
    case 'StoreFailed':
      return { status: 503, body: { error: 'unavailable', message: `the event store could not be read: ${e.cause.message}` } };
  }
}

/** Sends the right side as the 200 body, the left side as its error status. */
export function sendResult<T>(reply: FastifyReply, r: E.Either<ApiError, T>): FastifyReply {
  if (E.isRight(r)) return reply.code(200).send(r.right);
  const { status, body } = errorResponse(r.left);
  if (r.left._tag === 'StoreFailed') reply.log.error({ err: r.left.cause }, 'event store read failed');
  return reply.code(status).send(body);
}
