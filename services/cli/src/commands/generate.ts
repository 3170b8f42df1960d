import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { wholeNumber } from '../app.js';
import type { GenerateOptions } from '@dvk/sample';

/** Writes a generated district history as NDJSON, streaming (bounded memory at any scale). */
export async function writeSample(out: string, opts: GenerateOptions): Promise<number> {
  const { generateLines } = await import('@dvk/sample');
  const ws = createWriteStream(out);
  let n = 0;
  let buf = '';
  for (const line of generateLines(opts)) {
    buf += line + '\n';
    n++;
    if (buf.length > 1 << 20) {
      if (!ws.write(buf)) await once(ws, 'drain');
      buf = '';
    }
  }
  ws.end(buf);
  await once(ws, 'finish');
  return n;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Generate a realistic sample district history (NDJSON) for demos, tests and benchmarks')
    .requiredOption('--out <file>', 'output NDJSON file')
    .option('--seed <n>', 'random seed: the same seed gives the same file', wholeNumber('--seed', 0), 2016)
    .option('--years <n>', 'number of years from 2016', wholeNumber('--years', 1, 85), 5)
    .option('--districts <n>', 'scale: copies of the district (825 units each)', wholeNumber('--districts', 1, 10_000), 1)
    .option('--no-bad', 'leave out the few deliberately bad events')
    .option('--close <which>', 'which years get a YearClosed: all, all-but-last, none', 'all-but-last')
    .action(async (o: { out: string; seed: number; years: number; districts: number; bad: boolean; close: 'all' | 'all-but-last' | 'none' }) => {
      const n = await writeSample(o.out, { seed: o.seed, years: o.years, districts: o.districts, badEvents: o.bad, closeYears: o.close });
      process.stderr.write(`wrote ${n} lines to ${o.out}\n`);
    });
}
