import { canonicalJson, sha256Hex } from '@dvk/contracts';

/**
 * A UUID (version 8, "custom") made from the SHA-256 of the canonical JSON of a value: the same
 * value always gives the same id, so appending the event it names twice is a no-op.
 */
export function uuidOf(value: unknown): string {
  const h = sha256Hex(canonicalJson(value));
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An instant written in local time (UTC+07:00, whole seconds): `2020-01-15T09:30:00+07:00`. */
export function localIso(d: Date): string {
  const t = new Date(Math.floor(d.getTime() / 1000) * 1000 + 7 * 3600_000);
  return t.toISOString().slice(0, 19) + '+07:00';
}
