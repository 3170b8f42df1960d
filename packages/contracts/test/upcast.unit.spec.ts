import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { CURRENT_SCHEMA_VERSION, parseEnvelopeText, registerUpcaster, unregisterUpcaster, upcast } from '../src/index.js';

/**
 * Schema versions: every event of this release is version 1; older versions are brought up by
 * upcasters. Golden fixtures (the examples of every type) must keep parsing as they are.
 */
describe('schema versions and upcasters', () => {
  it('parses the golden fixtures of every event type (version 1)', () => {
    const lines = readFileSync(new URL('./fixtures/every-event-type.ndjson', import.meta.url), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(21);
    for (const l of lines) expect(E.isRight(parseEnvelopeText(l))).toBe(true);
    expect(CURRENT_SCHEMA_VERSION).toBe(1);
  });

  it('runs registered upcasters in order, and names a missing one', () => {
    registerUpcaster('DialogueHeld', 1, (d) => ({ ...d, participants: d.attendance, attendance: undefined }));
    registerUpcaster('DialogueHeld', 2, (d) => ({ ...d, heldAt: d.when, when: undefined }));
    try {
      const r = upcast('DialogueHeld', 1, { unitId: 'x', attendance: 12, when: '2019-01-01T00:00:00Z' }, 3);
      expect(r).toEqual(E.right({ unitId: 'x', participants: 12, heldAt: '2019-01-01T00:00:00Z', attendance: undefined, when: undefined }));
      const missing = upcast('DialogueHeld', 1, {}, 4);
      expect(E.isLeft(missing) && missing.left.message).toBe('no upcaster from version 3 of DialogueHeld');
    } finally {
      unregisterUpcaster('DialogueHeld', 1);
      unregisterUpcaster('DialogueHeld', 2);
    }
  });

  it('refuses a version newer than this release reads, naming the field', () => {
    const line = readFileSync(new URL('./fixtures/every-event-type.ndjson', import.meta.url), 'utf8').split('\n')[0]!.replace('"schemaVersion": 1', '"schemaVersion": 2');
    const r = parseEnvelopeText(line);
    expect(E.isLeft(r) && r.left.message).toBe('schemaVersion: version 2 is newer than this release reads (1)');
  });
});
