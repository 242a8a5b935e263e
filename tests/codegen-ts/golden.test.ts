/**
 * The checked-in sample, examples/generated/ (TinyGPT from examples/tiny_gpt.arch), is exactly
 * what `archc build` writes today. After changing the generator, regenerate it with
 * `UPDATE_GOLDEN=1 npx vitest run tests/codegen-ts/golden.test.ts` and review the diff.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { archc, ROOT } from "../support/archc.js";

const SAMPLE = join(ROOT, "examples/generated");
/** The command the sample's header names (less `-o`). */
const ARGS = [
  ...["build", "examples/tiny_gpt.arch", "-m", "TinyGPT", "--target", "ts"],
  ...["--capture", "layers.*"],
];

it("examples/generated/ is what archc build writes (UPDATE_GOLDEN=1 to regenerate)", () => {
  const dir = mkdtempSync(join(tmpdir(), "archc-golden-ts-"));
  try {
    const r = archc([...ARGS, "-o", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["TinyGPT.ts", "index.ts"]);
    for (const f of files) {
      const fresh = readFileSync(join(dir, f), "utf8");
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(join(SAMPLE, f), fresh);
      let checkedIn: string | undefined;
      try {
        checkedIn = readFileSync(join(SAMPLE, f), "utf8");
      } catch {
        checkedIn = undefined;
      }
      expect(
        checkedIn === fresh,
        `examples/generated/${f} is out of date with the generator: run ` +
          "`UPDATE_GOLDEN=1 npx vitest run tests/codegen-ts/golden.test.ts` and review the diff",
      ).toBe(true);
    }
    expect(readFileSync(join(SAMPLE, "TinyGPT.ts"), "utf8").split("\n")[1]).toBe(
      `// Do not edit: rerun \`archc ${ARGS.join(" ")}\`.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
