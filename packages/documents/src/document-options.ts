import { z } from 'zod';
import * as E from 'fp-ts/lib/Either.js';
import { IsoDate } from '@dvk/contracts';

/**
 * Who issues the annual report, its number and date, who signs it and who receives it. dvk never
 * invents any of these: they come from CLI options or a JSON config file (`--config`). When one
 * is missing the command stops and names it — unless the user asks for a draft, which leaves a
 * visibly blank "……" in its place and is marked "DỰ THẢO".
 */

const text = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .refine((s) => s.length > 0 && s.length <= 300, { error: 'must be 1–300 characters' });

/** The config file (every field optional here; `resolveDocumentOptions` says which are required). */
export const DocumentConfig = z.strictObject({
  /** The superior party body, first line of the header, e.g. the provincial party committee. */
  parentBody: text.optional(),
  /** The issuing body (upper case in the header), e.g. the district party committee. */
  issuer: text.optional(),
  /** The document number and symbol, e.g. `125-BC/HU` (printed "Số 125-BC/HU"). */
  number: text.optional(),
  /** The place of the date line. */
  place: text.optional(),
  /** The date of the document, YYYY-MM-DD. */
  date: IsoDate.optional(),
  /** The signer's full name. */
  signer: text.optional(),
  /** The signer's title under the "T/M" line, e.g. BÍ THƯ, PHÓ BÍ THƯ. */
  signerTitle: text.optional(),
  /** The line above the title (default "T/M BAN THƯỜNG VỤ"). */
  onBehalfOf: text.optional(),
  /** "Nơi nhận", one entry per line, as they should be printed. */
  recipients: z.array(text).max(60).optional(),
  /** Replaces the generated opening paragraph. */
  preamble: z.string().transform((s) => s.normalize('NFC').trim()).optional(),
  /** Leave out the appendix with every unit's scores (default: included). */
  appendix: z.boolean().optional(),
});
export type DocumentConfig = z.infer<typeof DocumentConfig>;

export const REQUIRED_FIELDS = ['issuer', 'number', 'place', 'date', 'signer', 'signerTitle', 'recipients'] as const;
export type RequiredField = (typeof REQUIRED_FIELDS)[number];

/** What the renderer gets: null only in a draft, where it prints "……". */
export interface DocumentOptions {
  parentBody: string | null;
  issuer: string | null;
  number: string | null;
  place: string | null;
  date: string | null;
  signer: string | null;
  signerTitle: string | null;
  onBehalfOf: string;
  recipients: string[] | null;
  preamble: string | null;
  appendix: boolean;
  draft: boolean;
}

export interface MissingDocumentFields {
  readonly _tag: 'MissingDocumentFields';
  readonly missing: readonly RequiredField[];
  readonly message: string;
}

export interface InvalidDocumentConfig {
  readonly _tag: 'InvalidDocumentConfig';
  readonly issues: readonly { path: string; message: string }[];
  readonly message: string;
}

/** Parses a config object (the JSON file, or CLI options gathered into one). */
export function parseDocumentConfig(raw: unknown, origin = 'config'): E.Either<InvalidDocumentConfig, DocumentConfig> {
  const r = DocumentConfig.safeParse(raw);
  if (r.success) return E.right(r.data);
  const issues = r.error.issues.map((i) => ({
    path: i.code === 'unrecognized_keys' ? i.keys.join(', ') : i.path.join('.'),
    message: i.code === 'unrecognized_keys' ? 'unknown field' : i.message,
  }));
  return E.left({ _tag: 'InvalidDocumentConfig', issues, message: `${origin}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}` });
}

/** Later layers win: typically [config file, CLI options]. */
export function resolveDocumentOptions(layers: readonly DocumentConfig[], o: { draft?: boolean } = {}): E.Either<MissingDocumentFields, DocumentOptions> {
  const c: DocumentConfig = {};
  for (const l of layers) for (const [k, v] of Object.entries(l)) if (v !== undefined) (c as Record<string, unknown>)[k] = v;
  const missing = REQUIRED_FIELDS.filter((k) => {
    const v = c[k];
    return v === undefined || (Array.isArray(v) && v.length === 0);
  });
  if (missing.length && !o.draft)
    return E.left({ _tag: 'MissingDocumentFields', missing, message: `missing document field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` });
  return E.right({
    parentBody: c.parentBody ?? null,
    issuer: c.issuer ?? null,
    number: c.number ?? null,
    place: c.place ?? null,
    date: c.date ?? null,
    signer: c.signer ?? null,
    signerTitle: c.signerTitle ?? null,
    onBehalfOf: c.onBehalfOf ?? 'T/M BAN THƯỜNG VỤ',
    recipients: c.recipients && c.recipients.length ? c.recipients : null,
    preamble: c.preamble || null,
    appendix: c.appendix ?? true,
    draft: Boolean(o.draft),
  });
}

/** "ngày 05 tháng 01 năm 2020": days below 10 and months below 3 take a leading zero. */
export function vietnameseDateLine(place: string | null, date: string | null): string {
  const BLANK = '……';
  if (!date) return `${place ?? BLANK}, ngày ${BLANK} tháng ${BLANK} năm ${BLANK}`;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const dd = d < 10 ? `0${d}` : String(d);
  const mm = m < 3 ? `0${m}` : String(m);
  return `${place ?? BLANK}, ngày ${dd} tháng ${mm} năm ${y}`;
}
