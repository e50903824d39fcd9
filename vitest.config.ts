import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Stage and client tests each start brokers on their own ports; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
