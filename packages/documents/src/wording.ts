import type { Kpi } from '@dvk/contracts';
import type { KpiTarget } from '@dvk/scoring';
import { vn, vnPercent } from './labels.js';

/** Wording shared by the annual report and the exports. */

/** Straight quotes of rulebook labels as typographic ones: "Dân vận khéo" → “Dân vận khéo”. */
export const curly = (s: string): string => s.replace(/"([^"]*)"/g, '“$1”');

/** A KPI target in words, from the rulebook's structured target. */
export function targetWords(t: KpiTarget, share: boolean): string {
  const u = share ? '%' : '';
  switch (t.op) {
    case 'gt':
      return `Trên ${vn(t.percent)}%`;
    case 'gte':
      return `Từ ${vn(t.percent)}% trở lên`;
    case 'eq':
      return 'percent' in t ? `${vn(t.percent)}%` : t.value === 0 ? 'Không để phát sinh (0)' : `${t.value}`;
    case 'between':
      return `Từ ${vn(t.min)}${u} đến ${vn(t.max)}${u}`;
    case 'lte':
      return `Không quá ${t.value}`;
    case 'monitor':
      return 'Theo dõi';
  }
}

export function kpiResultText(k: Kpi): string {
  if ('count' in k) return vn(k.count);
  return k.percent === null ? `${k.numerator}/${k.denominator}` : `${k.numerator}/${k.denominator} (${vnPercent(k.percent)}%)`;
}

