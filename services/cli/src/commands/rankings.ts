import type { Command } from 'commander';
import { RANK_LISTS } from '@dvk/contracts';
import { startRanking } from '@dvk/svc-ranking';
import { openApp, parseYear, refresh, wholeNumber, type GlobalOptions } from '../app.js';

export function registerRankings(program: Command): void {
  const cmd = program.command('rankings').description('Published rankings: publish the changed ones, show any version (for `dvk audit check`)');
  cmd
    .command('publish')
    .description('Bring the results up to date and publish every ranking whose content changed (a new version each; to the read model, Kafka is the ranking service\'s)')
    .option('--json', 'print the new versions as JSON lines')
    .action(async (o: { json?: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const app = openApp(g);
      try {
        await refresh(app, { quiet: o.json });
        const svc = await startRanking({ db: app.store.db, store: app.store, rulebooks: app.rulebooks, log: app.log });
        const published = app.queries.years().flatMap((y) => RANK_LISTS.map((l) => app.queries.latestPublished(y.year, l)).filter((x) => x !== null));
        await svc.stop();
        for (const p of published) {
          const m = p!.message;
          process.stdout.write(o.json ? p!.json + '\n' : `${m.year} ${m.list}: phiên bản ${m.version} (${m.status}), vị trí ${m.position}, ${m.contentDigest}\n`);
        }
      } finally {
        await app.close();
      }
    });
  cmd
    .command('show')
    .description('Print a published ranking message (the latest, or --version N) as JSON')
    .requiredOption('--year <year>', 'the year', parseYear)
    .requiredOption('--list <list>', `the list: ${RANK_LISTS.join(', ')}`)
    .option('--version <n>', 'an earlier version', wholeNumber('--version', 1))
    .action((o: { year: number; list: string; version?: number }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const all = app.queries.publishedRankings(o.year, o.list);
        const m = o.version === undefined ? all[all.length - 1] : all.find((x) => x.version === o.version);
        if (!m) {
          process.stderr.write(`no published ranking ${o.list} ${o.year}${o.version ? ` version ${o.version}` : ''} (run \`dvk rankings publish\` or the ranking service)\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(JSON.stringify(m) + '\n');
      } finally {
        void app.close();
      }
    });
}
