import { core } from './core.js';
import { steer } from './steer.js';

/**
 * Tiếng Việt — the default catalogue, one module per part of the product (the core's
 * explanations; each edge adds its own module here and in `../en/`). ICU MessageFormat; points are
 * written `{x, number, pts}`, numbers of things `{x, number}`, percentages `{x, number, pct}`,
 * dates `{x, date, day}`, so that a Vietnamese reader sees 12,25 · 39.531 · 76,4 · 05/02/2020.
 * One term per concept, from the plan's own vocabulary (DOMAIN.md's glossary).
 */
export const vi: Readonly<Record<string, string>> = { ...core, ...steer };
