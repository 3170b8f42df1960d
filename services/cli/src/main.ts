#!/usr/bin/env -S node --import tsx
import { Command } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerExplain } from './commands/explain.js';
import { registerGenerate } from './commands/generate.js';
import { registerImport } from './commands/import.js';
import { registerRejected } from './commands/rejected.js';
import { registerRankings } from './commands/rankings.js';
import { registerReport } from './commands/report.js';
import { registerRulebook } from './commands/rulebook.js';
import { registerStart } from './commands/start.js';
import { registerSheet } from './commands/sheet.js';
import { registerDocument } from './commands/document.js';
import { registerExport } from './commands/export.js';
import { registerSources } from './sources.js';
import { registerAdmin } from './commands/admin.js';
import { registerBackup } from './commands/backup.js';

/** The `dvk` command: run as `pnpm dvk …` from the repository root, or as the `dvk` bin. */
export function buildProgram(): Command {
  const program = new Command('dvk')
    .description('dvk — chấm điểm, xếp loại công tác dân vận từ nhật ký sự kiện (event-sourced scoring and ranking)')
    .option('--db <path>', 'the embedded SQLite store (env DVK_DB, default ./data/dvk.sqlite)')
    .option('--log-level <level>', 'pino log level on stderr (env DVK_LOG_LEVEL, default warn)')
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
  registerStart(program);
  registerImport(program);
  registerReport(program);
  registerExplain(program);
  registerRejected(program);
  registerGenerate(program);
  registerSources(program);
  registerSheet(program);
  registerDocument(program);
  registerExport(program);
  registerAudit(program);
  registerRulebook(program);
  registerRankings(program);
  registerAdmin(program);
  registerBackup(program);
  return program;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  // `dvk report | head`: a closed pipe ends the command quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`dvk: ${(err as Error).message}\n`);
      process.exitCode = 1;
    });
}
