/**
 * Architecture rules, checked by `pnpm lint` (part of `pnpm test`):
 * - the pure core (packages/contracts, packages/scoring) imports no I/O: no Node built-ins and
 *   no package but zod, fp-ts, @noble/hashes and the contracts;
 * - packages never import services; nothing imports another package's internals.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-no-node-builtins',
      severity: 'error',
      comment: 'The scoring core and contracts are pure: no I/O, no clock, no Node built-ins.',
      from: { path: '^packages/(contracts|scoring)/src' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-only-pure-deps',
      severity: 'error',
      comment: 'The core may import only zod, fp-ts, @noble/hashes and @dvk/contracts.',
      from: { path: '^packages/(contracts|scoring)/src' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: 'node_modules/.*(zod|fp-ts|@noble/hashes)/',
      },
    },
    {
      name: 'core-no-io-packages',
      severity: 'error',
      from: { path: '^packages/(contracts|scoring)/src' },
      to: { path: '^packages/(?!contracts|scoring)' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'Every import must resolve to a declared dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'packages-not-services',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'no-deep-imports-across-packages',
      severity: 'error',
      comment: 'Use a package through its exports entry only.',
      from: { path: '^(packages|services)/([^/]+)/' },
      to: { path: '^(packages|services)/([^/]+)/src/(?!index\\.ts$)', pathNot: '^$1/$2/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(node_modules|/test/|\\.spec\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
