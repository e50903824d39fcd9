import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Installs (as root) or names the missing system clients once, before any suite.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Stage and client tests each start brokers on their own ports; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
