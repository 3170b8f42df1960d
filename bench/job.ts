import { JOBS } from './jobs.js';

// One measured job per process: `tsx job.ts <job> <args…>` prints one JSON line.
const [name, ...args] = process.argv.slice(2);
const job = name ? JOBS[name] : undefined;
if (!job) {
  process.stderr.write(`unknown job ${name}; jobs: ${Object.keys(JOBS).join(', ')}\n`);
  process.exit(2);
}
const r = await job(args);
process.stdout.write(JSON.stringify(r) + '\n');
