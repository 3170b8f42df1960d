/** Errors at the Kafka edge, as tagged data (house style §2): never thrown across the port. */
export interface KafkaUnavailable {
  readonly _tag: 'KafkaUnavailable';
  readonly retriable: true;
  readonly message: string;
  readonly cause?: unknown;
}

/** The batch handler failed in a way retrying will not fix (e.g. a corrupt store): the consumer stops. */
export interface HandlerFatal {
  readonly _tag: 'HandlerFatal';
  readonly retriable: false;
  readonly message: string;
  readonly cause?: unknown;
}

export type MessagingError = KafkaUnavailable | HandlerFatal;

export const kafkaUnavailable = (message: string, cause?: unknown): KafkaUnavailable => ({
  _tag: 'KafkaUnavailable',
  retriable: true,
  message,
  cause,
});

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
