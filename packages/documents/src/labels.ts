import type { RankList, UnitKind } from '@dvk/contracts';
import { KIND_LABEL } from '@dvk/contracts';

/** Labels of the printed and spreadsheet forms: the shared ones live in @dvk/contracts. */
export { KIND_IN_TEXT, KIND_LABEL, LIST_TITLE, NOT_RATED, TIER_LABEL, TITLE_LABEL, VETO_LABEL, VETO_SHORT, byVietnameseName, vn, vnPercent } from '@dvk/contracts';

/** Sheet names (≤ 31 characters, none of `* ? : / \ [ ]`), one per kind or list. */
export const KIND_SHEET: Record<UnitKind, string> = { ...KIND_LABEL };

export const LIST_SHEET: Record<RankList, string> = {
  dvk_candidates: 'Đảng bộ, cơ quan',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận',
  mass_org: 'MTTQ, đoàn thể',
};
