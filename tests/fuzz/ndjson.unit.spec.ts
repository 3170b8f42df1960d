import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KEPT_BYTES, checkLine, frameLines, type Frame } from '@dvk/ingestion';
import { anyValidEnvelope, normalised, type Obj } from './arbitraries.js';
import { CaseCounter, runs } from './counts.js';

/**
 * NDJSON framing under hostile bytes: random streams cut at random chunk boundaries give the same
 * frames as a reference model of the documented rules (LF or CRLF; a BOM only at the very start;
 * blank lines skipped but counted; invalid UTF-8 and over-long lines refused with their line
 * number), whatever the chunking; memory stays bounded on a line of hundreds of MiB; and in a file
 * of envelopes, every damaged line becomes a dead letter with its line number while the others
 * come out exactly as written.
 */

const counter = new CaseCounter('ndjson');
afterAll(() => counter.report());

const enc = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = [0xef, 0xbb, 0xbf];

interface Plain {
  kind: Frame['kind'];
  line: number;
  text?: string;
  reason?: string;
  raw?: string;
  bytes: number;
}
const plain = (f: Frame): Plain =>
  f.kind === 'line' ? { kind: f.kind, line: f.line, text: f.text, bytes: f.bytes } : { kind: f.kind, line: f.line, reason: f.reason, raw: Buffer.from(f.raw).toString('hex'), bytes: f.bytes };

/** The documented framing rules, written the simple way: split the whole buffer, judge each line. */
function reference(buf: Uint8Array, max: number): Plain[] {
  const out: Plain[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl;
    lineNo++;
    let line = buf.subarray(start, end);
    const bytes = line.length + 1;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    const bom = line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf;
    if (bom && lineNo === 1) line = line.subarray(3);
    const err = (reason: string) => out.push({ kind: 'error', line: lineNo, reason, raw: Buffer.from(line.subarray(0, KEPT_BYTES)).toString('hex'), bytes });
    if (line.length > max) err(`line is longer than the limit of ${max} bytes (${line.length} bytes)`);
    else if (bom && lineNo > 1) err('a byte-order mark (U+FEFF) may only start the first line (concatenated files?)');
    else if (line.every((c) => c === 0x20 || c === 0x09)) {
      /* blank: skipped */
    } else {
      try {
        out.push({ kind: 'line', line: lineNo, text: strict.decode(line), bytes });
      } catch {
        err('line is not valid UTF-8');
      }
    }
    start = end + 1;
  }
  return out;
}

async function* chunked(buf: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    yield buf.subarray(from, Math.max(from, c)); // may be empty
    from = Math.max(from, c);
  }
  yield buf.subarray(from);
}

async function frames(chunks: AsyncIterable<Uint8Array>, max: number): Promise<Plain[]> {
  const out: Plain[] = [];
  for await (const f of frameLines(chunks, { maxLineBytes: max })) out.push(plain(f));
  return out;
}

/** Pieces of hostile byte streams. */
const atom = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }).map((s) => enc.encode(s)) },
  { weight: 3, arbitrary: fc.constantFrom('{"id":"x"}', 'Đồng Tâm ', '😀', '"\\u0000"', '[]', '{"__proto__":{"a":1}}').map((s) => enc.encode(s)) },
  { weight: 4, arbitrary: fc.constantFrom([0x0a], [0x0d, 0x0a], [0x0d], [0x0a, 0x0a], [0x20, 0x09, 0x0a]).map((b) => Uint8Array.from(b)) },
  { weight: 2, arbitrary: fc.constant(Uint8Array.from(BOM)) },
  // invalid UTF-8: lone continuation, overlong, surrogate, truncated sequences, 0xFF, code points past U+10FFFF
  { weight: 3, arbitrary: fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe1, 0xba], [0xf0, 0x9f, 0x98], [0xff], [0xfe], [0xf4, 0x90, 0x80, 0x80], [0xc3]).map((b) => Uint8Array.from(b)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 16 }) },
  // runs around the line limits used below (and, rarely, past the bytes kept of a refused line)
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 80 }).map((n) => new Uint8Array(n).fill(0x61)) },
  { weight: 1, arbitrary: fc.integer({ min: KEPT_BYTES - 8, max: KEPT_BYTES + 8 }).map((n) => new Uint8Array(n).fill(0x62)) },
);
const stream = fc.array(atom, { maxLength: 40 }).map((parts) => Uint8Array.from(Buffer.concat(parts)));
const cutsOf = (buf: Uint8Array) => fc.array(fc.integer({ min: 0, max: buf.length }), { maxLength: 12 });

describe('NDJSON framing of random byte streams', () => {
  it('gives the frames of the reference rules, whatever the chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        stream.chain((buf) => fc.tuple(fc.constant(buf), cutsOf(buf), fc.constantFrom(8, 16, 32, 64, 1 << 20))),
        async ([buf, cuts, max]) => {
          counter.add('random streams × random chunking');
          const want = reference(buf, max);
          expect(await frames(chunked(buf, []), max)).toEqual(want);
          expect(await frames(chunked(buf, cuts), max)).toEqual(want);
        },
      ),
      { numRuns: runs(6000) },
    );
  });

  it('gives the same frames byte by byte (every boundary)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(atom, { maxLength: 10 }).map((p) => Uint8Array.from(Buffer.concat(p))).filter((b) => b.length < 2000), fc.constantFrom(8, 16, 64), async (buf, max) => {
        counter.add('random streams × 1-byte chunks');
        const cuts = Array.from({ length: buf.length }, (_, i) => i);
        expect(await frames(chunked(buf, cuts), max)).toEqual(reference(buf, max));
      }),
      { numRuns: runs(600) },
    );
  });

  it('handles the edge cases by the rules', async () => {
    const cases: [string, number[], number][] = [
      ['BOM only', BOM, 8],
      ['BOM + CRLF', [...BOM, 0x0d, 0x0a], 8],
      ['BOM then a line at exactly the limit, CRLF', [...BOM, ...new Array(8).fill(0x61), 0x0d, 0x0a, 0x62], 8],
      ['a line one byte over the limit', [...new Array(9).fill(0x61), 0x0a], 8],
      ['BOM on line 2', [0x61, 0x0a, ...BOM, 0x61, 0x0a], 8],
      ['CR alone is not a newline', [0x61, 0x0d, 0x62, 0x0a], 8],
      ['no final newline', [0x61, 0x0a, 0x62], 8],
      ['only newlines', [0x0a, 0x0a, 0x0a], 8],
      ['invalid UTF-8 after a valid line', [0x61, 0x0a, 0xc0, 0x80, 0x0a, 0x63], 8],
    ];
    for (const [what, bytes, max] of cases) {
      const buf = Uint8Array.from(bytes);
      const want = reference(buf, max);
      for (let cut = 0; cut <= buf.length; cut++) {
        counter.add('edge cases');
        expect(await frames(chunked(buf, [cut]), max), `${what}, cut at ${cut}`).toEqual(want);
      }
    }
  });

  it('keeps memory bounded on a 256 MiB line, refusing it alone', async () => {
    const chunk = new Uint8Array(1 << 20).fill(0x78); // reused for every chunk: the framer must copy what it keeps
    const valid = enc.encode('{"ok":1}\n');
    let peak = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield enc.encode('{"first":1}\n');
      for (let i = 0; i < 256; i++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        yield chunk;
      }
      yield valid;
    }
    const before = process.memoryUsage().arrayBuffers;
    const seen: Plain[] = [];
    for await (const f of frameLines(source(), { maxLineBytes: 1 << 20 })) seen.push({ ...plain(f), raw: f.kind === 'error' ? `${f.raw.length} bytes` : undefined });
    counter.add('huge lines');
    expect(seen.map((f) => [f.kind, f.line])).toEqual([
      ['line', 1],
      ['error', 2],
    ]);
    expect(seen[1]!.reason).toBe(`line is longer than the limit of ${1 << 20} bytes (${(256 << 20) + valid.length - 1} bytes)`);
    expect(seen[1]!.raw).toBe(`${KEPT_BYTES} bytes`);
    expect(peak - before).toBeLessThan(16 << 20);
  });
});

// --- a file of envelopes with damaged lines ------------------------------------------------------------

type Damage = 'none' | 'crlf' | 'truncated' | 'invalid-utf8' | 'bom' | 'over-long' | 'proto' | 'deep' | 'not-json' | 'blank-before';
const damage = fc.constantFrom<Damage>('none', 'none', 'none', 'crlf', 'truncated', 'invalid-utf8', 'bom', 'over-long', 'proto', 'deep', 'not-json', 'blank-before');
const MAX = 8192;

function damaged(e: Obj, d: Damage, cut: number): { bytes: Uint8Array; valid: boolean; blank?: boolean } {
  const text = JSON.stringify(e);
  const line = (s: string | Uint8Array) => (typeof s === 'string' ? enc.encode(s) : s);
  switch (d) {
    case 'none':
    case 'blank-before':
      return { bytes: line(text + '\n'), valid: true, blank: d === 'blank-before' };
    case 'crlf':
      return { bytes: line(text + '\r\n'), valid: true };
    case 'truncated':
      return { bytes: line(text.slice(0, 1 + (cut % (text.length - 1))) + '\n'), valid: false };
    case 'invalid-utf8': {
      const b = enc.encode(text);
      const at = cut % b.length;
      return { bytes: Uint8Array.from([...b.subarray(0, at), 0xff, ...b.subarray(at), 0x0a]), valid: false };
    }
    case 'bom':
      return { bytes: Uint8Array.from([...BOM, ...enc.encode(text), 0x0a]), valid: false };
    case 'over-long':
      return { bytes: line(text.slice(0, -1) + ',"pad":"' + 'x'.repeat(MAX) + '"}\n'), valid: false };
    case 'proto':
      return { bytes: line(text.replace('"data":{', '"data":{"__proto__":{"isAdmin":true},') + '\n'), valid: false };
    case 'deep':
      return { bytes: line(text.replace('"data":{', `"data":{"x":${'['.repeat(1000)}${']'.repeat(1000)},`) + '\n'), valid: false };
    case 'not-json':
      return { bytes: line(`{${text}\n`), valid: false };
  }
}

describe('a file of envelopes with damaged lines', () => {
  it('dead-letters each damaged line with its line number and reason; the others come out as written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(anyValidEnvelope, damage, fc.nat()), { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        async (items, cutSeeds, bomAtStart) => {
          counter.add('envelope files with damaged lines');
          const parts: Uint8Array[] = bomAtStart ? [Uint8Array.from(BOM)] : [];
          const expected: { line: number; valid: boolean; e: Obj }[] = [];
          let lineNo = 0;
          items.forEach(([e, d, cut], i) => {
            const x = damaged(e, d, cut);
            if (x.blank) {
              parts.push(enc.encode(' \t\r\n'));
              lineNo++;
            }
            parts.push(x.bytes);
            // a BOM that starts the file is fine (a second one right after it is not)
            const valid = x.valid || (d === 'bom' && i === 0 && !bomAtStart);
            expected.push({ line: ++lineNo, valid, e });
          });
          const buf = Uint8Array.from(Buffer.concat(parts));
          const cuts = cutSeeds.map((s) => s % (buf.length + 1));
          const ok: { line: number; e: unknown }[] = [];
          const dead: { line: number; ref: string; reason: string }[] = [];
          for await (const f of frameLines(chunked(buf, cuts), { maxLineBytes: MAX })) {
            const r = checkLine(f, { ref: 'upload.ndjson', channel: 'file', source: null });
            if ('ok' in r) ok.push({ line: f.line, e: r.ok });
            else dead.push({ line: f.line, ref: r.dead.ref, reason: r.dead.reason });
          }
          expect(ok).toEqual(expected.filter((x) => x.valid).map((x) => ({ line: x.line, e: normalised(x.e) })));
          expect(dead.map((d) => d.line)).toEqual(expected.filter((x) => !x.valid).map((x) => x.line));
          for (const d of dead) {
            expect(d.ref).toBe(`upload.ndjson:${d.line}`);
            expect(d.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: runs(3000) },
    );
  });
});
