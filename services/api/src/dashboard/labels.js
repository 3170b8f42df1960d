// Vietnamese labels (Unicode NFC) and number/date formatting for the dashboard.

export const KIND_LABEL = {
  commune_party: 'Đảng bộ xã, thị trấn',
  agency: 'Cơ quan, đơn vị',
  village: 'Thôn, khu phố',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận',
  mass_org: 'MTTQ, đoàn thể',
};

export const LISTS = ['dvk_candidates', 'mobilization_team', 'mobilization_bloc', 'mass_org'];
export const LIST_LABEL = {
  dvk_candidates: 'Đảng bộ xã, thị trấn và cơ quan, đơn vị (xét “Dân vận khéo”)',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận đảng ủy',
  mass_org: 'Ban Dân vận, MTTQ và các đoàn thể chính trị - xã hội huyện',
};
export const LIST_SHORT = {
  dvk_candidates: 'Xã, thị trấn, cơ quan',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận',
  mass_org: 'MTTQ, đoàn thể',
};

export const TIER_LABEL = {
  strong: 'Vững mạnh',
  advanced: 'Tiên tiến',
  good: 'Hoạt động tốt',
  fair: 'Khá',
  average: 'Trung bình',
  weak: 'Yếu',
};
export const NOT_RATED = 'Chưa đánh giá';
export const TITLE_LABEL = { dan_van_kheo: 'Dân vận khéo', tieu_bieu: 'Dân vận khéo tiêu biểu' };
export const VETO_LABEL = { hotspot: 'Điểm nóng', discipline: 'Kỷ luật' };
export const STATUS_LABEL = {
  unpublished: 'Chưa công bố',
  provisional: 'Công bố tạm thời',
  final: 'Chính thức',
  revised: 'Đã điều chỉnh',
};
export const SOURCE_LABEL = {
  assessed: 'chấm điểm',
  reporting: 'báo cáo hằng tháng',
  cases: 'giải quyết khiếu nại, tố cáo, kiến nghị',
  dialogues: 'tiếp xúc, đối thoại',
  models: 'mô hình “Dân vận khéo”',
};

const numberFmt = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });
const fixed1 = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fixed2 = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1.234 · 72,6 */
export const fmtNum = (n) => numberFmt.format(n);
/** Points with two decimals: 85,33 · 90,00 */
export const fmtPoints = (n) => fixed2.format(n);
/** A KPI percent string of the API ("75.6") shown as "75,6%". */
export const fmtPercent = (s) => (s === null || s === undefined ? '—' : `${fixed1.format(Number(s))}%`);

/** "2020-11-20T09:00:00+07:00" → "20/11/2020 09:00" (the local time as written). */
export function fmtLocal(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso ?? '');
  if (!m) return iso ?? '';
  return `${m[3]}/${m[2]}/${m[1]}${m[4] ? ` ${m[4]}:${m[5]}` : ''}`;
}

/** The value of a KPI as shown on its card. */
export function kpiValue(k) {
  return 'count' in k ? fmtNum(k.count) : fmtPercent(k.percent);
}
/** Number behind the chart of a KPI: the percent or the count (null when not defined). */
export function kpiNumber(k) {
  if (!k) return null;
  if ('count' in k) return k.count;
  return k.percent === null ? null : Number(k.percent);
}
export function kpiVerdict(k) {
  if (k.met === true) return { cls: 'met', text: 'Đạt', icon: '✓' };
  if (k.met === false) return { cls: 'unmet', text: 'Chưa đạt', icon: '✗' };
  if (k.target === '—') return { cls: 'monitor', text: 'Theo dõi', icon: '•' };
  return { cls: 'monitor', text: 'Không áp dụng', icon: '–' };
}
/** The target lines of a KPI chart, read from its target text ("> 70%", "25% – 30%", "3 – 5", "0"). */
export function targetLines(target) {
  if (!target || target === '—') return [];
  return (target.match(/\d+(?:[.,]\d+)?/g) ?? []).map((s) => Number(s.replace(',', '.')));
}

/** Lower case without diacritics (đ → d): the client-side filter key, as the API's search. */
export function fold(s) {
  return String(s ?? '')
    .normalize('NFD')
    .replace(/\p{Mn}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
