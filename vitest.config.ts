import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks, not threads: each test file gets its own addon instance and process state.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
