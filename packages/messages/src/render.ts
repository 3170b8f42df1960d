import { IntlMessageFormat } from 'intl-messageformat';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { isMsg, type Msg, type ParamKind, type ParamValue, type RbText } from '@dvk/contracts';
import { MESSAGES } from './catalogue/codes.js';
import { en } from './catalogue/en/index.js';
import { vi } from './catalogue/vi/index.js';

/**
 * Renders messages (a code and typed parameters) in a reader's language, with ICU MessageFormat
 * (intl-messageformat) and `Intl` formatting: Vietnamese writes 12,25 điểm, 39.531 sự kiện,
 * 76,4%, 05/02/2020. The core never formats a number or a date for a person; this does.
 *
 * Languages: `vi` (the default), `en`, and `pseudo` — Vietnamese with every catalogue text wrapped
 * in ⟦…⟧, so that a test can find any text a person sees that does not come from the catalogue.
 */
export const LANGS = ['vi', 'en', 'pseudo'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'vi';

export const CATALOGUES: Readonly<Record<'vi' | 'en', Readonly<Record<string, string>>>> = { vi, en };

const LOCALE: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB', pseudo: 'vi-VN' };

/** The named formats the catalogue's texts use: `{x, number, pts}`, `{x, number, pct}`, `{x, date, day}`. */
export const FORMATS = {
  number: {
    pts: { maximumFractionDigits: 2 },
    pct: { minimumFractionDigits: 1, maximumFractionDigits: 1 },
  },
  date: {
    // A calendar date is given as midnight UTC of that date: shown in UTC, it is that date.
    day: { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' },
  },
  time: {},
} as const;

/** A language from a flag, an environment variable or a query (`vi`, `en`, `vi-VN`, `en-US`, `pseudo`), or undefined. */
export function parseLang(v: string | null | undefined): Lang | undefined {
  if (!v) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'pseudo') return 'pseudo';
  const base = s.split(/[-_]/)[0];
  return base === 'vi' || base === 'en' ? base : undefined;
}

/** The first supported language of an `Accept-Language` header, by preference (q); Vietnamese when none. */
export function langFromAcceptLanguage(header: string | null | undefined): Lang {
  if (!header) return DEFAULT_LANG;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...ps] = part.trim().split(';');
      const q = ps.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag!.trim(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((x) => x.tag && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) {
    const l = parseLang(r.tag);
    if (l && l !== 'pseudo') return l;
  }
  return DEFAULT_LANG;
}

/** A message with its text, as the API and `--json` outputs give it: machines read the code and parameters. */
export interface RenderedMsg extends Msg {
  readonly text: string;
}

const dateOf = (iso: string): Date => new Date(`${iso.slice(0, 10)}T00:00:00Z`);

export class Renderer {
  readonly lang: Lang;
  readonly locale: string;
  private readonly catalogue: Readonly<Record<string, string>>;
  private readonly compiled = new Map<string, IntlMessageFormat>();
  private readonly list: Intl.ListFormat;
  private readonly pointsFmt: Intl.NumberFormat;
  private readonly countFmt: Intl.NumberFormat;
  private readonly pctFmt: Intl.NumberFormat;
  private readonly dayFmt: Intl.DateTimeFormat;
  private readonly instantFmt: Intl.DateTimeFormat;

  constructor(lang: Lang = DEFAULT_LANG) {
    this.lang = lang;
    this.locale = LOCALE[lang];
    this.catalogue = lang === 'en' ? en : vi;
    this.list = new Intl.ListFormat(this.locale, { type: 'conjunction', style: 'long' });
    this.pointsFmt = new Intl.NumberFormat(this.locale, FORMATS.number.pts);
    this.countFmt = new Intl.NumberFormat(this.locale);
    this.pctFmt = new Intl.NumberFormat(this.locale, FORMATS.number.pct);
    this.dayFmt = new Intl.DateTimeFormat(this.locale, FORMATS.date.day);
    this.instantFmt = new Intl.DateTimeFormat(this.locale, {
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: 'Asia/Ho_Chi_Minh',
    });
  }

  /** Whether the catalogue has a text for a code. */
  has(code: string): boolean {
    return code in this.catalogue;
  }

  /** The text of a code with its parameters (raw values, as in a message). */
  t(code: string, params: Msg['params'] = {}): string {
    return this.render({ code, params });
  }

  /** A message in this language. */
  render(m: Msg): string {
    const spec = MESSAGES[m.code];
    const source = this.sourceOf(m);
    if (source === undefined) return this.wrap(m.code);
    const values: Record<string, string | number | Date> = {};
    for (const [name, v] of Object.entries(m.params)) {
      const kind = spec?.[name];
      if (kind === 'rbtext' || v === null || v === undefined) continue;
      values[name] = this.value(kind, v);
    }
    return this.wrap(this.format(source, values));
  }

  /** A label of a closed set: `label('tier', 'good')` → "Hoạt động tốt" (the code itself when unknown). */
  label(set: string, code: string): string {
    const key = `${set}.${code}`;
    return this.has(key) ? this.t(key) : code;
  }

  /** A rulebook text in this language. */
  rb(t: RbText): string {
    return this.wrap(this.lang === 'en' ? t.en : t.vi);
  }

  /** Points in hundredths: 1225 → "12,25". */
  points(h: number): string {
    return this.pointsFmt.format(h / 100);
  }
  /** A decimal number of points as published (12.25) → "12,25". */
  num(x: number): string {
    return this.pointsFmt.format(x);
  }
  /** A number of things: 39531 → "39.531". */
  count(n: number): string {
    return this.countFmt.format(n);
  }
  /** A published percentage ("76.4") → "76,4". */
  percent(p: string): string {
    return this.pctFmt.format(Number(p));
  }
  /** A calendar date `YYYY-MM-DD` → "05/02/2020". */
  date(iso: string): string {
    return this.dayFmt.format(dateOf(iso));
  }
  /** An instant (ISO-8601 with offset) in local time → "05/02/2020 09:00". */
  instant(iso: string): string {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : this.instantFmt.format(d).replace(',', '');
  }
  /** A list read as a list: ["A1", "A2", "A7"] → "A1, A2 và A7"; empty → the catalogue's word for none. */
  listOf(xs: readonly string[]): string {
    return xs.length === 0 ? this.t('list.empty') : this.list.format(xs);
  }

  /**
   * Adds `text` to every message found in a value (deeply), for JSON answers that keep the code
   * and the parameters next to the rendered text.
   */
  withText<T>(v: T): T {
    return this.deep(v) as T;
  }

  private deep(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.deep(x));
    if (typeof v !== 'object' || v === null) return v;
    if (isMsg(v)) return { code: v.code, params: v.params, text: this.render(v) };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.deep(x);
    return out;
  }

  private wrap(s: string): string {
    return this.lang === 'pseudo' ? `⟦${s}⟧` : s;
  }

  /** The ICU source of a message: the rulebook's wording when the message carries one, else the catalogue's. */
  private sourceOf(m: Msg): string | undefined {
    const text = m.params.text;
    if (text && typeof text === 'object' && 'vi' in text && 'en' in text) return this.lang === 'en' ? (text as RbText).en : (text as RbText).vi;
    return this.catalogue[m.code];
  }

  private format(source: string, values: Record<string, string | number | Date>): string {
    let f = this.compiled.get(source);
    if (!f) {
      f = new IntlMessageFormat(source, this.locale, FORMATS);
      this.compiled.set(source, f);
    }
    return String(f.format(values));
  }

  /** A parameter as the ICU formatter takes it: numbers to format, dates, or text already in this language. */
  private value(kind: ParamKind | undefined, v: ParamValue): string | number | Date {
    switch (kind) {
      case 'points':
        return (v as number) / 100;
      case 'count':
        return v as number;
      case 'percent':
        return Number(v);
      case 'date':
        return dateOf(v as string);
      case 'int':
      case 'position':
        return String(v);
      case 'bool':
        return v ? 'true' : 'false';
      case 'texts':
        return this.listOf(v as readonly string[]);
      case 'ints':
        return this.listOf((v as readonly number[]).map(String));
      case 'pointsList':
        return (v as readonly number[]).map((h) => this.points(h)).join(' + ');
      case 'msg':
        return this.render(v as Msg);
      case 'msgs':
        return (v as readonly Msg[]).map((m) => this.render(m)).join('; ');
      default:
        if (kind?.startsWith('labels:')) return this.listOf((v as readonly string[]).map((x) => this.label(kind.slice(7), x)));
        if (kind?.startsWith('label:')) return this.label(kind.slice(6), v as string);
        return String(v);
    }
  }
}

const renderers = new Map<Lang, Renderer>();
/** The (shared) renderer of a language. */
export function renderer(lang: Lang = DEFAULT_LANG): Renderer {
  let r = renderers.get(lang);
  if (!r) renderers.set(lang, (r = new Renderer(lang)));
  return r;
}

/**
 * Problems with the rulebook's own wording of its rules: each text must be ICU MessageFormat and
 * use only the parameters of the rule it words (`{year}`, `{deadlineDay}`…). Empty when all is well.
 */
export function rulebookTextProblems(rules: readonly Msg[]): string[] {
  const problems: string[] = [];
  for (const m of rules) {
    const t = m.params.text as RbText | null | undefined;
    if (!t) continue;
    const spec = MESSAGES[m.code] ?? {};
    for (const lang of ['vi', 'en'] as const) {
      let names: string[];
      try {
        names = argumentNames(parse(t[lang]));
      } catch (e) {
        problems.push(`${m.code} (${lang}): not ICU MessageFormat: ${(e as Error).message}`);
        continue;
      }
      for (const n of names) if (!(n in spec) || spec[n] === 'rbtext') problems.push(`${m.code} (${lang}): {${n}} is not a parameter of this rule (it has: ${Object.keys(spec).filter((k) => spec[k] !== 'rbtext').join(', ')})`);
    }
  }
  return problems;
}

function argumentNames(els: MessageFormatElement[], out: string[] = []): string[] {
  for (const el of els) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    if (el.type === TYPE.tag) {
      argumentNames(el.children, out);
      continue;
    }
    out.push(el.value);
    if (el.type === TYPE.select || el.type === TYPE.plural) for (const o of Object.values(el.options)) argumentNames(o.value, out);
  }
  return out;
}
