import { defineConfig } from 'vitest/config';

/**
 * Test tiers by file suffix (DESIGN.md): *.unit.spec.ts (no I/O), *.int.spec.ts (a real SQLite
 * file, the Kafka mock cluster, EventStoreDB via testcontainers), *.e2e.spec.ts (whole services).
 * `pnpm test` runs all three; `vitest run --project unit` only the first.
 */
const common = { testTimeout: 60_000, hookTimeout: 120_000 };
export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'unit', include: ['{packages,services,tests}/**/*.unit.spec.ts'] } },
      { test: { ...common, name: 'int', include: ['{packages,services,tests}/**/*.int.spec.ts'] } },
      { test: { ...common, name: 'e2e', include: ['{packages,services,tests}/**/*.e2e.spec.ts'], fileParallelism: false } },
    ],
  },
});
