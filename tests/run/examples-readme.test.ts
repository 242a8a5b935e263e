/** examples/README.md's parameter counts are what `archc info` prints for each model. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { archc } from "../support/archc.js";

const rows = [
  ...readFileSync("examples/README.md", "utf8").matchAll(
    /^\| `(\w+\.arch)` *\| `(\w+)` *\| [^|]+ \| ([\d,]+) *\|/gm,
  ),
].map((m) => ({ file: m[1]!, model: m[2]!, params: m[3]! }));

describe("examples/README.md", () => {
  it("lists every example file with a model", () => {
    expect(rows.length).toBeGreaterThanOrEqual(12);
  });
  for (const r of rows) {
    it(`${r.file} ${r.model}: ${r.params} parameters`, () => {
      const out = archc(["info", `examples/${r.file}`, "-m", r.model, "--json"]);
      expect(out.code, out.stderr).toBe(0);
      const total = (JSON.parse(out.stdout) as { totalParams: number }).totalParams;
      expect(total.toLocaleString("en-US")).toBe(r.params);
    });
  }
});
