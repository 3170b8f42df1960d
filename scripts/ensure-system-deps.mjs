#!/usr/bin/env node
// Installs the Debian packages the test suite needs when they are missing: kcat (librdkafka's
// mock Kafka cluster, for the Kafka integration tests), chromium (browser tests through
// playwright-core), poppler-utils (pdftoppm / pdftotext, to check generated PDFs) and
// docker-compose (to validate infra/compose*.yaml with `config`; no Docker engine is needed).
// Runs apt-get as root, or through sudo; says exactly what is missing when it cannot.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  ['kcat', 'kcat'],
  ['chromium', 'chromium'],
  ['pdftoppm', 'poppler-utils'],
  ['pdftotext', 'poppler-utils'],
  ['docker-compose', 'docker-compose'],
];
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [...new Set(needed.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg))];
if (missing.length === 0) {
  console.log('system packages: kcat, chromium, poppler-utils, docker-compose present');
  process.exit(0);
}
const root = process.getuid?.() === 0;
const prefix = root ? [] : has('sudo') ? ['sudo'] : null;
if (!prefix) {
  console.error(`missing Debian packages: ${missing.join(' ')} — install them with: apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
const run = (args) => {
  const [cmd, ...rest] = [...prefix, ...args];
  execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
console.log(`installing Debian packages: ${missing.join(' ')}`);
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
