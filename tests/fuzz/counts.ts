import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Counts the fuzz cases each target tried, prints them when the file's tests end and keeps them
 * in test-results/fuzz/<suite>.json (docs/reliability.md quotes a run of them).
 * `DVK_FUZZ_SCALE=10 npx vitest run tests/fuzz` multiplies every run count.
 */
export const SCALE = Math.max(0.01, Number(process.env.DVK_FUZZ_SCALE ?? '1') || 1);
export const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export class CaseCounter {
  private readonly counts = new Map<string, number>();
  constructor(private readonly suite: string) {}
  add(target: string, n = 1): void {
    this.counts.set(target, (this.counts.get(target) ?? 0) + n);
  }
  get(target: string): number {
    return this.counts.get(target) ?? 0;
  }
  /** Prints the table and writes the JSON; call from afterAll. */
  report(): void {
    if (this.counts.size === 0) return;
    const rows = [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    const total = rows.reduce((s, [, n]) => s + n, 0);
    const width = Math.max(...rows.map(([t]) => t.length));
    const text = rows.map(([t, n]) => `  ${t.padEnd(width)}  ${n.toLocaleString('en-US').padStart(9)}`).join('\n');
    process.stdout.write(`\nfuzz cases tried — ${this.suite} (scale ${SCALE}):\n${text}\n  ${'total'.padEnd(width)}  ${total.toLocaleString('en-US').padStart(9)}\n`);
    const out = join(ROOT, 'test-results', 'fuzz', `${this.suite}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ suite: this.suite, scale: SCALE, total, targets: Object.fromEntries(rows) }, null, 1) + '\n');
  }
}
