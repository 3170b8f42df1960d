import type { UnitKind } from './events.js';
import type { RankList, Tier } from './results.js';

/**
 * Vietnamese labels (NFC) of what users read — the CLI, the printed report, spreadsheets: codes
 * stay English in data. One place, so every output says the same thing.
 */

export const KIND_LABEL: Record<UnitKind, string> = {
  commune_party: 'Đảng bộ xã, thị trấn',
  agency: 'Cơ quan, đơn vị',
  village: 'Thôn, khu phố',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận',
  mass_org: 'MTTQ, đoàn thể',
};

/** The kinds as they read inside a sentence ("8 đảng bộ xã, thị trấn; 3 MTTQ, đoàn thể"). */
export const KIND_IN_TEXT: Record<UnitKind, string> = {
  commune_party: 'đảng bộ xã, thị trấn',
  agency: 'cơ quan, đơn vị',
  village: 'thôn, khu phố',
  mobilization_team: 'tổ dân vận',
  mobilization_bloc: 'khối dân vận',
  mass_org: 'MTTQ, đoàn thể',
};

export const LIST_TITLE: Record<RankList, string> = {
  dvk_candidates: 'Đảng bộ xã, thị trấn và cơ quan, đơn vị (xét danh hiệu “Dân vận khéo”)',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận đảng ủy',
  mass_org: 'Ban Dân vận, Ủy ban MTTQ và các tổ chức chính trị - xã hội huyện',
};

export const TIER_LABEL: Record<Tier, string> = {
  strong: 'Vững mạnh',
  advanced: 'Tiên tiến',
  good: 'Hoạt động tốt',
  fair: 'Khá',
  average: 'Trung bình',
  weak: 'Yếu',
};
export const TITLE_LABEL: Record<'dan_van_kheo' | 'tieu_bieu', string> = {
  dan_van_kheo: 'Dân vận khéo',
  tieu_bieu: 'Dân vận khéo tiêu biểu',
};
export const VETO_LABEL: Record<'hotspot' | 'discipline', string> = {
  hotspot: 'có điểm nóng, điểm phức tạp phát sinh',
  discipline: 'có kỷ luật trong năm',
};
export const VETO_SHORT: Record<'hotspot' | 'discipline', string> = { hotspot: 'điểm nóng', discipline: 'kỷ luật' };
export const NOT_RATED = 'Chưa đánh giá';

/** Vietnamese number formatting: `72,6`, `1.234`, `12,50` (fixed decimals when given). */
export function vn(n: number, decimals?: number): string {
  return n.toLocaleString('vi-VN', decimals === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A published percentage ("72.6", one decimal) written the Vietnamese way ("72,6"). */
export function vnPercent(p: string): string {
  return p.replace('.', ',');
}

/** Sorts names as Vietnamese readers expect (diacritics after the base letter), ties by id. */
const collator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true });
export function byVietnameseName<T extends { name: string; unitId: string }>(a: T, b: T): number {
  const c = collator.compare(a.name, b.name);
  if (c !== 0) return c;
  return a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0;
}
