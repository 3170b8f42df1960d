import { z } from 'zod';
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, type EventType } from './events.js';

/**
 * JSON Schema (draft 2020-12) of every event envelope, for upstream teams. One schema per event
 * type plus a `oneOf` of them all, generated from the zod schemas so the two never drift apart.
 * Rules JSON Schema cannot state (a real calendar date, at most two decimals, a contest year)
 * are named in each field's description.
 */
export function eventJsonSchemas(): Record<string, unknown> {
  const perType: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) perType[type] = envelopeSchemaFor(type);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://dvk.invalid/schemas/evaluation-event.v1.json',
    title: 'dvk evaluation event (schema version 1)',
    oneOf: EVENT_TYPES.map((t) => ({ $ref: `#/$defs/${t}` })),
    $defs: perType,
  };
}

const NOTES: Record<string, string> = {
  id: 'UUID; the idempotency key of the event',
  occurredAt: 'ISO-8601 timestamp with offset, e.g. 2019-11-20T09:00:00+07:00',
  effectiveFrom: 'a real calendar date, YYYY-MM-DD',
  points: '0 or more, at most 2 decimals, at most the criterion maximum of the rulebook',
  year: '2016 or later',
};

function envelopeSchemaFor(type: EventType): Record<string, unknown> {
  const data = z.toJSONSchema(EVENT_DATA_SCHEMAS[type], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete data.$schema;
  const props = (data.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(props)) if (NOTES[k]) v.description = NOTES[k];
  if (type === 'ContestPrizeAwarded' && props.year) props.year.description = 'a contest year: 2017, 2020, 2023, …';
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'schemaVersion', 'source', 'occurredAt', 'data'],
    properties: {
      id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: NOTES.id },
      type: { const: type },
      schemaVersion: { const: 1 },
      source: { type: 'string', description: 'the upstream system that emitted the event; must match the authenticated source' },
      occurredAt: { type: 'string', description: NOTES.occurredAt },
      data,
    },
  };
}
