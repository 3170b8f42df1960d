/**
 * NDJSON framing, shared by file import, HTTP ingest and scoresheets: splits bytes into lines
 * (LF or CRLF), strips a UTF-8 byte-order mark at the start, refuses invalid UTF-8 and lines
 * longer than a limit — each as a framing error with its line number, never silently.
 */

export const DEFAULT_MAX_LINE_BYTES = 1 << 20; // 1 MiB: an envelope is well under 1 KiB
/** How much of a refused line is kept in the dead letter. */
export const KEPT_BYTES = 64 << 10;

export type Frame =
  | { kind: 'line'; line: number; text: string; bytes: number }
  | { kind: 'error'; line: number; reason: string; raw: Uint8Array; bytes: number };

const decoder = new TextDecoder('utf-8', { fatal: true });

function frame(bytes: Uint8Array, lineNo: number, maxLineBytes: number): Frame | null {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--; // CRLF
  let start = 0;
  if (lineNo === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3; // BOM
  const body = bytes.subarray(start, end);
  const size = bytes.length + 1;
  if (body.length > maxLineBytes)
    return { kind: 'error', line: lineNo, reason: `line is longer than the limit of ${maxLineBytes} bytes (${body.length} bytes)`, raw: body.subarray(0, KEPT_BYTES), bytes: size };
  // A blank line carries nothing: skipped (and counted by the caller through the line numbers).
  let blank = true;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== 0x20 && c !== 0x09) {
      blank = false;
      break;
    }
  }
  if (blank) return null;
  try {
    return { kind: 'line', line: lineNo, text: decoder.decode(body), bytes: size };
  } catch {
    return { kind: 'error', line: lineNo, reason: 'line is not valid UTF-8', raw: body.subarray(0, KEPT_BYTES), bytes: size };
  }
}

/**
 * Frames a stream of byte chunks into lines. Memory stays bounded: a line longer than the
 * limit is not accumulated beyond it.
 */
export async function* frameLines(chunks: AsyncIterable<Uint8Array>, opts: { maxLineBytes?: number } = {}): AsyncGenerator<Frame> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let carry: Uint8Array[] = [];
  let carryLen = 0;
  let overflow = 0; // bytes dropped from an over-long line
  let lineNo = 0;
  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      lineNo++;
      const piece = chunk.subarray(from, nl);
      let f: Frame | null;
      if (carryLen === 0 && overflow === 0) f = frame(piece, lineNo, max);
      else if (overflow > 0) {
        f = { kind: 'error', line: lineNo, reason: `line is longer than the limit of ${max} bytes (${carryLen + overflow + piece.length} bytes)`, raw: concat(carry, carryLen), bytes: carryLen + overflow + piece.length + 1 };
      } else f = frame(concat([...carry, piece], carryLen + piece.length), lineNo, max);
      carry = [];
      carryLen = 0;
      overflow = 0;
      if (f) yield f;
      from = nl + 1;
    }
    const rest = chunk.subarray(from);
    if (rest.length) {
      if (carryLen + rest.length <= max + 3) {
        carry.push(rest.slice());
        carryLen += rest.length;
      } else {
        const room = Math.max(0, KEPT_BYTES - carryLen);
        if (room > 0) {
          carry.push(rest.slice(0, room));
          carryLen += Math.min(room, rest.length);
        }
        overflow += rest.length - Math.min(room, rest.length);
      }
    }
  }
  if (carryLen > 0 || overflow > 0) {
    lineNo++;
    const f =
      overflow > 0
        ? ({ kind: 'error', line: lineNo, reason: `line is longer than the limit of ${max} bytes (${carryLen + overflow} bytes)`, raw: concat(carry, carryLen), bytes: carryLen + overflow } as Frame)
        : frame(concat(carry, carryLen), lineNo, max);
    if (f) yield f;
  }
}

function concat(parts: Uint8Array[], len: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p.subarray(0, len - o), o);
    o += p.length;
  }
  return out;
}

/** Frames a whole buffer (an HTTP body). */
export async function* frameBuffer(buf: Uint8Array, opts: { maxLineBytes?: number } = {}): AsyncGenerator<Frame> {
  yield* frameLines(
    (async function* () {
      yield buf;
    })(),
    opts,
  );
}
