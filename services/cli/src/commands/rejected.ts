import { renderer } from '@dvk/messages';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { rejectedWithIds } from '@dvk/projections';
import { openApp, parseYear, refresh, type GlobalOptions } from '../app.js';

export function registerRejected(program: Command): void {
  program
    .command('rejected')
    .description('Rejected facts (kept in the log, excluded from scoring) and dead-lettered input, with reasons')
    .option('--year <year>', 'only rejected facts of this year', parseYear)
    .option('--json', 'print JSON: {"rejectedFacts": [...], "deadLetters": [...]}')
    .action(async (o: { year?: number; json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        await refresh(app, { quiet: o.json });
        const facts = await rejectedWithIds(app.queries, app.store, { year: o.year });
        if (E.isLeft(facts)) throw new Error(facts.left.message);
        const dl = await app.store.listDeadLetters();
        if (E.isLeft(dl)) throw new Error(dl.left.message);
        if (o.json) {
          process.stdout.write(JSON.stringify({ rejectedFacts: renderer('vi').withText(facts.right), deadLetters: dl.right }) + '\n');
          return;
        }
        const out = process.stdout;
        out.write(`SỰ KIỆN BỊ LOẠI KHỎI VIỆC CHẤM ĐIỂM (rejected facts)${o.year ? ` năm ${o.year}` : ''}: ${facts.right.length}\n`);
        for (const f of facts.right)
          out.write(`  #${f.position} ${f.type} ${f.eventId ?? ''} [${f.unitId}${f.year ? `, ${f.year}` : ''}] ${f.code}: ${renderer('vi').render(f.reason)}\n`);
        out.write(`\nDỮ LIỆU ĐẦU VÀO BỊ TỪ CHỐI (dead letters): ${dl.right.length}\n`);
        for (const d of dl.right) {
          out.write(`  ${d.channel} ${d.ref}${d.source ? ` (nguồn ${d.source})` : ''}${d.eventId ? ` id ${d.eventId}` : ''}: ${d.reason}\n`);
          out.write(`      ${d.raw.length > 160 ? d.raw.slice(0, 160) + '…' : d.raw}\n`);
        }
      } finally {
        await app.close();
      }
    });
}
