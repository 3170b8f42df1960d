/**
 * NDJSON framing, shared by file import, HTTP ingest and scoresheets: splits bytes into lines
 * (LF or CRLF), strips a UTF-8 byte-order mark at the start of the stream (one anywhere else is
 * refused), refuses invalid UTF-8 and lines longer than a limit — each as a framing error with
 * its line number, never silently. Blank lines are skipped but counted.
 */

export const DEFAULT_MAX_LINE_BYTES = 1 << 20; // 1 MiB: an envelope is well under 1 KiB
/** How much of a refused line is kept in the dead letter. */
export const KEPT_BYTES = 64 << 10;

export type Frame =
  | { kind: 'line'; line: number; text: string; bytes: number }
  | { kind: 'error'; line: number; reason: string; raw: Uint8Array; bytes: number };

// ignoreBOM: the decoder must not drop a BOM silently; `frame` decides where one may be.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const tooLong = (max: number, n: number) => `line is longer than the limit of ${max} bytes (${n} bytes)`;

function frame(bytes: Uint8Array, lineNo: number, maxLineBytes: number): Frame | null {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--; // CRLF
  let start = 0;
  if (lineNo === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3; // BOM
  const body = bytes.subarray(start, end);
  const size = bytes.length + 1;
  if (body.length > maxLineBytes)
    return { kind: 'error', line: lineNo, reason: tooLong(maxLineBytes, body.length), raw: body.subarray(0, KEPT_BYTES), bytes: size };
  if (start === 0 && body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return { kind: 'error', line: lineNo, reason: 'a byte-order mark (U+FEFF) may only start the first line (concatenated files?)', raw: body.subarray(0, KEPT_BYTES), bytes: size };
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
 * Frames a stream of byte chunks into lines. The frames are the same whatever the chunking (each
 * line is judged as `frame` judges it whole). Memory stays bounded: of a line that can no longer
 * be valid (longer than the limit plus a BOM and a CR) only the start is kept, for its dead letter.
 */
export async function* frameLines(chunks: AsyncIterable<Uint8Array>, opts: { maxLineBytes?: number } = {}): AsyncGenerator<Frame> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const cap = Math.max(max + 4, KEPT_BYTES + 3);
  let parts: Uint8Array[] = []; // the kept start of the current line (copies: chunks may be reused)
  let kept = 0;
  let total = 0; // bytes of the current line so far, kept or not
  let last = -1; // its last byte
  let lineNo = 0;

  const take = (seg: Uint8Array) => {
    if (seg.length === 0) return;
    total += seg.length;
    last = seg[seg.length - 1]!;
    if (kept < cap) {
      const n = Math.min(cap - kept, seg.length);
      parts.push(seg.slice(0, n));
      kept += n;
    }
  };
  /** The frame of the line accumulated in `parts` (plus `tail`, the rest of it in the current chunk). */
  const finish = (tail: Uint8Array): Frame | null => {
    take(tail);
    let f: Frame | null;
    if (total <= cap) f = frame(concat(parts, kept), lineNo, max);
    else {
      const head = concat(parts, kept);
      const bom = lineNo === 1 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
      const body = total - bom - (last === 0x0d ? 1 : 0);
      f = { kind: 'error', line: lineNo, reason: tooLong(max, body), raw: head.subarray(bom, bom + KEPT_BYTES), bytes: total + 1 };
    }
    parts = [];
    kept = 0;
    total = 0;
    last = -1;
    return f;
  };

  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      lineNo++;
      const piece = chunk.subarray(from, nl);
      const f = total === 0 ? frame(piece, lineNo, max) : finish(piece);
      if (f) yield f;
      from = nl + 1;
    }
    take(chunk.subarray(from));
  }
  if (total > 0) {
    lineNo++;
    const f = finish(new Uint8Array(0));
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
