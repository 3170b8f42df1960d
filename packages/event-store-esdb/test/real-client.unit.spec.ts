import { describe, expect, it } from 'vitest';
import { AccessDeniedError, DeadlineExceededError, NotLeaderError, StreamDeletedError, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import { EsdbError, toEsdbError } from '../src/index.js';

/** The only place vendor errors are looked at: their translation into the narrow client's kinds. */
describe('toEsdbError', () => {
  it('translates WrongExpectedVersionError with the stream and its actual revision', () => {
    const e = toEsdbError(new WrongExpectedVersionError(undefined, { streamName: 'unit-a', current: 3n, expected: 2n }), 'append to unit-a');
    expect(e).toBeInstanceOf(EsdbError);
    expect(e).toMatchObject({ kind: 'wrong_expected_version', details: { stream: 'unit-a', actual: 3n } });
    expect(e.message).toContain('append to unit-a');
    const none = toEsdbError(new WrongExpectedVersionError(undefined, { streamName: 'unit-b', current: 'no_stream', expected: 0n }));
    expect(none.details.actual).toBe(-1n);
  });

  it('treats connection-level failures as unavailable, credentials as access_denied, the rest as other', () => {
    expect(toEsdbError(new UnavailableError(undefined, 'down')).kind).toBe('unavailable');
    expect(toEsdbError(new DeadlineExceededError(undefined, 'slow')).kind).toBe('unavailable');
    expect(toEsdbError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:2113'), { code: 'ECONNREFUSED' })).kind).toBe('unavailable');
    expect(toEsdbError(new Error('Failed to discover after 10 attempts')).kind).toBe('unavailable');
    expect(toEsdbError(new AccessDeniedError(undefined, 'no')).kind).toBe('access_denied');
    expect(toEsdbError(StreamDeletedError.fromStreamName('unit-x')).kind).toBe('other');
    expect(toEsdbError(new TypeError('bug')).kind).toBe('other');
    const e = new EsdbError('invalid_position', 'p');
    expect(toEsdbError(e)).toBe(e);
    expect(NotLeaderError).toBeTypeOf('function');
  });
});
