import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * The kafkajs client, configured the way dvk uses it: plain brokers (TLS/SASL are for `infra/`),
 * kafkajs' own log lines routed into the service's pino logger.
 */
export interface KafkaSettings {
  /** Bootstrap servers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** How many times kafkajs retries a failed request before giving up (default 5). */
  readonly retries?: number;
}

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** kafkajs log entries as pino lines of `component: kafkajs`, at the matching level. */
export function pinoLogCreator(log: Logger): logCreator {
  const child = log.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...extra } = entry as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
      child[LEVEL[level] ?? 'info']({ namespace, ...extra }, message);
    };
}

function kafkaLevel(log: Logger): KafkaLogLevel {
  switch (log.level) {
    case 'trace':
    case 'debug':
      return KafkaLogLevel.DEBUG;
    case 'info':
      return KafkaLogLevel.INFO;
    case 'warn':
      return KafkaLogLevel.WARN;
    case 'silent':
      return KafkaLogLevel.NOTHING;
    default:
      return KafkaLogLevel.ERROR;
  }
}

export function makeKafka(s: KafkaSettings, log: Logger): Kafka {
  return new Kafka({
    clientId: s.clientId,
    brokers: [...s.brokers],
    connectionTimeout: s.connectionTimeoutMs ?? 3000,
    requestTimeout: s.requestTimeoutMs ?? 30_000,
    retry: { retries: s.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: kafkaLevel(log),
    logCreator: pinoLogCreator(log),
  });
}
