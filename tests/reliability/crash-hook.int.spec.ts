import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './harness.js';

/** The crash-point hook itself (packages/event-store/src/crash.ts), in a child process. */

const probe = join(repoRoot, 'tests/reliability/fixtures/crash-probe.ts');
const run = (crashAt?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', probe], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...(crashAt === undefined ? {} : { DVK_CRASH_AT: crashAt }) },
  });

describe('DVK_CRASH_AT', () => {
  it('is a no-op when unset', () => {
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('1\n2\n3\n4\n5\ndone\n');
  });

  it('kills the process with SIGKILL at the n-th passage of the named site, and at no other', () => {
    const r = run('store.appended:3');
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).toBe('1\n2\n3\n');
    expect(r.stderr).toMatch(/DVK_CRASH_AT armed: SIGKILL at passage 3 of store\.appended/);
  });

  it('lets a run end normally when the site is not passed n times', () => {
    expect(run('store.appended:6').status).toBe(0);
  });

  it('refuses a malformed setting or an unknown site, naming the sites', () => {
    for (const bad of ['store.appended', 'store.appended:0', 'nowhere:1']) {
      const r = run(bad);
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr).toMatch(/DVK_CRASH_AT must be <site>:<n> with a site among import\.chunk, store\.append\.tx/);
    }
  });
});
