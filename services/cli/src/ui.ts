import cliProgress from 'cli-progress';

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json). */
export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  constructor(enabled: boolean | undefined, label: string, unit: string) {
    const on = enabled ?? Boolean(process.stderr.isTTY);
    this.bar = on
      ? new cliProgress.SingleBar(
          {
            format: `${label} |{bar}| {percentage}% · {value}/{total} ${unit} · {eta_formatted}`,
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }
  start(total: number, value = 0): void {
    this.bar?.start(total, value);
  }
  update(value: number): void {
    this.bar?.update(value);
  }
  stop(): void {
    this.bar?.stop();
  }
}

/** Vietnamese number formatting: 72,6 and 1.234. */
export function vn(n: number, decimals?: number): string {
  return n.toLocaleString('vi-VN', decimals === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export const KIND_LABEL: Record<string, string> = {
  commune_party: 'Đảng bộ xã, thị trấn',
  agency: 'Cơ quan, đơn vị',
  village: 'Thôn, khu phố',
  mobilization_team: 'Tổ dân vận',
  mobilization_bloc: 'Khối dân vận',
  mass_org: 'MTTQ, đoàn thể',
};
export const TIER_LABEL: Record<string, string> = {
  strong: 'Vững mạnh',
  advanced: 'Tiên tiến',
  good: 'Hoạt động tốt',
  fair: 'Khá',
  average: 'Trung bình',
  weak: 'Yếu',
};
export const TITLE_LABEL: Record<string, string> = { dan_van_kheo: 'Dân vận khéo', tieu_bieu: 'Dân vận khéo tiêu biểu' };
export const VETO_LABEL: Record<string, string> = { hotspot: 'điểm nóng', discipline: 'kỷ luật' };
export const NOT_RATED = 'Chưa đánh giá';
