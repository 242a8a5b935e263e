import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The WebGPU fallback needs EGL_PLATFORM in the environment before Node starts; worker
    // threads cannot set it (see DESIGN.md §6), so tests run in forked processes.
    pool: "forks",
    testTimeout: 60_000,
  },
});
