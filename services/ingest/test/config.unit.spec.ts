import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { loadIngestConfig } from '../src/index.js';

describe('ingest configuration', () => {
  it('has defaults for the embedded mode: loopback, no Kafka', () => {
    const c = loadIngestConfig({});
    expect(E.isRight(c)).toBe(true);
    if (E.isLeft(c)) return;
    expect(c.right).toMatchObject({
      host: '127.0.0.1',
      port: 8081,
      maxBatchEvents: 10_000,
      maxBodyBytes: 16 << 20,
      kafkaBrokers: [],
      kafkaTopics: ['dvk.evaluation-events'],
      kafkaGroup: 'dvk-ingest',
      kafkaSourceMap: {},
      projection: 'follow',
      rateLimitPerMinute: 0,
    });
  });

  it('reads lists and topic=source maps from the environment', () => {
    const c = loadIngestConfig({
      DVK_KAFKA_BROKERS: 'k1:9092, k2:9092',
      DVK_KAFKA_TOPIC: 'dvk.evaluation-events,dvk.xa-a',
      DVK_KAFKA_SOURCE_MAP: 'dvk.xa-a=xa-a',
      DVK_INGEST_PORT: '0',
      DVK_MAX_BATCH_EVENTS: '500',
    });
    expect(E.isRight(c) && c.right).toMatchObject({
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      kafkaTopics: ['dvk.evaluation-events', 'dvk.xa-a'],
      kafkaSourceMap: { 'dvk.xa-a': 'xa-a' },
      port: 0,
      maxBatchEvents: 500,
    });
  });

  it('refuses bad settings, naming the variable and the reason', () => {
    const c = loadIngestConfig({
      DVK_INGEST_PORT: 'eighty',
      DVK_MAX_BATCH_EVENTS: '0',
      DVK_KAFKA_BROKERS: 'localhost',
      DVK_KAFKA_SOURCE_MAP: 'no-equals-sign',
      DVK_INGEST_PROJECTION: 'sometimes',
    });
    expect(E.isLeft(c)).toBe(true);
    if (E.isRight(c)) return;
    const text = c.left.message;
    expect(text).toMatch(/DVK_INGEST_PORT \(port\): /);
    expect(text).toMatch(/DVK_MAX_BATCH_EVENTS \(maxBatchEvents\): /);
    expect(text).toMatch(/DVK_KAFKA_BROKERS \(kafkaBrokers\): must be host:port/);
    expect(text).toMatch(/DVK_KAFKA_SOURCE_MAP \(kafkaSourceMap\): "no-equals-sign" is not a topic=source pair/);
    expect(text).toMatch(/DVK_INGEST_PROJECTION \(projection\): must be follow or off/);
  });

  it('refuses a source mapping for a topic it does not consume', () => {
    const c = loadIngestConfig({ DVK_KAFKA_SOURCE_MAP: 'other-topic=xa-a' });
    expect(E.isLeft(c) && c.left.message).toMatch(/topic other-topic is mapped but not consumed/);
  });
});
