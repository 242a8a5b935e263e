// Builds the example app: compiles examples/generated/*.ts (the generated TinyGPT class) into
// build/ with tsc, then bundles browser.mjs with archc/runtime for the browser into
// build/browser.js with rolldown. Run from anywhere: node examples/app/build.mjs
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { rolldown } from "rolldown";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsc = spawnSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.json")],
  { stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// archc/runtime imports `webgpu` (Dawn for Node), `node:fs` and `node:path` only on its Node path,
// lazily: the page never loads them. Left out of the bundle (rather than bundled as chunks nobody
// fetches, with warnings that Node's built-ins do not resolve for a browser).
const bundle = await rolldown({
  input: join(here, "browser.mjs"),
  platform: "browser",
  external: ["webgpu", /^node:/],
});
await bundle.write({ dir: join(here, "build/web"), format: "esm" });
await bundle.close();
console.log("built examples/app/build/: index.js, TinyGPT.js (Node), web/browser.js (browser)");
