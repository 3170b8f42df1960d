import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, MAX_REASON_BYTES, deadLetterRecord, dlqTopicOf, readDeadLetterHeaders, type InboundMessage } from '../src/index.js';

const msg = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  topic: 'dvk.evaluation-events',
  partition: 2,
  offset: '1043',
  key: Buffer.from('xa-a'),
  value: Buffer.from('{"not":"an event"}'),
  headers: { 'dvk-source': 'xa-a' },
  timestamp: '0',
  ...over,
});

describe('dead-letter records', () => {
  it('keep the original key and bytes, and say why and where in headers', () => {
    const r = deadLetterRecord({ message: msg(), reason: 'id: is required', headers: { 'dvk-source': 'xa-a' } });
    expect(r.key).toEqual(Buffer.from('xa-a'));
    expect(r.value).toEqual(Buffer.from('{"not":"an event"}'));
    expect(r.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'id: is required',
      [DLQ_HEADERS.sourceTopic]: 'dvk.evaluation-events',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '1043',
      'dvk-source': 'xa-a',
    });
    const text = Object.fromEntries(Object.entries(r.headers!).map(([k, v]) => [k, v.toString()]));
    expect(readDeadLetterHeaders(text)).toEqual({
      reason: 'id: is required',
      sourceTopic: 'dvk.evaluation-events',
      sourcePartition: 2,
      sourceOffset: '1043',
      originalKey: 'xa-a',
    });
  });

  it('leave out the original-key header for a null key, and cut over-long reasons', () => {
    const r = deadLetterRecord({ message: msg({ key: null }), reason: 'x'.repeat(10_000) });
    expect(r.headers![DLQ_HEADERS.originalKey]).toBeUndefined();
    const reason = r.headers![DLQ_HEADERS.reason] as string;
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('go to <topic>.dlq', () => {
    expect(dlqTopicOf('dvk.evaluation-events')).toBe('dvk.evaluation-events.dlq');
  });

  it('are recognised only with all the dvk headers', () => {
    expect(readDeadLetterHeaders({ [DLQ_HEADERS.reason]: 'r' })).toBeNull();
  });
});
