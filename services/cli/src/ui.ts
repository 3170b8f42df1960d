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

import * as L from '@dvk/contracts';

// The shared Vietnamese labels (@dvk/contracts), indexable by the plain strings the CLI holds.
export const KIND_LABEL: Record<string, string> = L.KIND_LABEL;
export const LIST_TITLE: Record<string, string> = L.LIST_TITLE;
export const TIER_LABEL: Record<string, string> = L.TIER_LABEL;
export const TITLE_LABEL: Record<string, string> = L.TITLE_LABEL;
/** In tables, the short form of a veto. */
export const VETO_LABEL: Record<string, string> = L.VETO_SHORT;
export const NOT_RATED = L.NOT_RATED;
export const vn = L.vn;
