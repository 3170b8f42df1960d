import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { CASE_CATEGORIES, EVENT_TYPES, MODEL_LEVELS, PRIZES, RANK_LISTS, ROLES, TIERS, TITLES, UNIT_KINDS, VETOES, type ParamKind } from '@dvk/contracts';
import { CATALOGUES, LABELS, MESSAGES } from '../src/index.js';

/**
 * The catalogue is complete and honest: every code a person can read has a text in every
 * language, no text uses a parameter its code does not have (nor writes a number, a date or
 * points without the format a Vietnamese reader expects), and every code is produced somewhere.
 */

interface Arg {
  name: string;
  type: TYPE;
  style: string | null;
}

function argsOf(els: MessageFormatElement[], out: Arg[] = []): Arg[] {
  for (const el of els) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    if (el.type === TYPE.tag) {
      argsOf(el.children, out);
      continue;
    }
    const style = 'style' in el && typeof el.style === 'string' ? el.style : null;
    out.push({ name: el.value, type: el.type, style });
    if (el.type === TYPE.select || el.type === TYPE.plural) for (const o of Object.values(el.options)) argsOf(o.value, out);
  }
  return out;
}

/** What ICU argument a parameter of a kind must be written as. */
function allowed(kind: ParamKind, a: Arg): string | null {
  switch (kind) {
    case 'points':
      return a.type === TYPE.number && a.style === 'pts' ? null : 'points must be written {x, number, pts}';
    case 'percent':
      return a.type === TYPE.number && a.style === 'pct' ? null : 'a percentage must be written {x, number, pct}';
    case 'count':
      return a.type === TYPE.number || a.type === TYPE.plural ? null : 'a count must be written {x, number} (or used in a plural)';
    case 'date':
      return a.type === TYPE.date && a.style === 'day' ? null : 'a date must be written {x, date, day}';
    case 'bool':
      return a.type === TYPE.select ? null : 'a true/false parameter is used in a select';
    case 'int':
    case 'position':
      return a.type === TYPE.argument || a.type === TYPE.plural || a.type === TYPE.select ? null : 'a whole number shown as is is written {x}';
    case 'rbtext':
      return 'the rulebook’s wording replaces the text; it is not a parameter of it';
    default:
      return a.type === TYPE.argument || a.type === TYPE.select ? null : `a ${kind} parameter is written {x}`;
  }
}

const LANGS = Object.keys(CATALOGUES) as (keyof typeof CATALOGUES)[];

describe('the message catalogue', () => {
  it('has a text for every code in every language, and no text without a code', () => {
    for (const lang of LANGS) {
      const cat = CATALOGUES[lang];
      const missing = Object.keys(MESSAGES).filter((c) => !(c in cat));
      const extra = Object.keys(cat).filter((c) => !(c in MESSAGES));
      expect({ lang, missing }).toEqual({ lang, missing: [] });
      expect({ lang, extra }).toEqual({ lang, extra: [] });
    }
  });

  it('uses in each text only the parameters of its code, each in the format its kind needs', () => {
    const problems: string[] = [];
    for (const lang of LANGS)
      for (const [code, text] of Object.entries(CATALOGUES[lang])) {
        const spec = MESSAGES[code] ?? {};
        let ast: MessageFormatElement[];
        try {
          ast = parse(text);
        } catch (e) {
          problems.push(`${lang} ${code}: not ICU MessageFormat (${(e as Error).message})`);
          continue;
        }
        for (const a of argsOf(ast)) {
          const kind = spec[a.name];
          if (!kind) problems.push(`${lang} ${code}: {${a.name}} is not a parameter of ${code}`);
          else {
            const why = allowed(kind, a);
            if (why) problems.push(`${lang} ${code}: {${a.name}}: ${why}`);
          }
        }
      }
    expect(problems).toEqual([]);
  });

  it('writes Vietnamese in NFC, without stray spaces', () => {
    for (const lang of LANGS)
      for (const [code, text] of Object.entries(CATALOGUES[lang])) {
        expect(text.normalize('NFC'), `${lang} ${code}`).toBe(text);
        expect(text, `${lang} ${code}`).toBe(text.trim());
        expect(text, `${lang} ${code}`).not.toMatch(/ {2}/);
      }
  });

  it('labels exactly the codes of the contract’s closed sets', () => {
    expect(LABELS.tier).toEqual([...TIERS]);
    expect(LABELS.title).toEqual([...TITLES]);
    expect(LABELS.veto).toEqual([...VETOES]);
    expect(LABELS.kind).toEqual([...UNIT_KINDS]);
    expect(LABELS.category).toEqual([...CASE_CATEGORIES]);
    expect(LABELS.level).toEqual([...MODEL_LEVELS]);
    expect(LABELS.prize).toEqual([...PRIZES]);
    expect(LABELS.list).toEqual([...RANK_LISTS]);
    expect(LABELS.role).toEqual([...ROLES]);
    expect([...LABELS.eventType].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('has no code that nothing produces (every code but the labels appears in the source outside the catalogue)', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'test' || name.startsWith('.')) continue;
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|js|mjs)$/.test(name) && !/\.spec\.ts$/.test(name)) files.push(p);
      }
    };
    for (const top of ['packages', 'services']) walk(join(root, top));
    const catalogue = join(root, 'packages/messages/src/catalogue');
    const contractCodes = join(root, 'packages/contracts/src/messages.ts');
    const source = files
      .filter((f) => !f.startsWith(catalogue) && f !== contractCodes)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const labels = new Set(Object.entries(LABELS).flatMap(([set, vs]) => vs.map((v) => `${set}.${v}`)));
    const unused = Object.keys(MESSAGES).filter((c) => !labels.has(c) && !source.includes(`'${c}'`) && !source.includes(`"${c}"`));
    expect(unused, `codes never produced (searched ${files.length} files under ${relative(process.cwd(), root) || '.'})`).toEqual([]);
  });
});
