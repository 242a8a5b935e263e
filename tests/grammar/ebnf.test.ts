import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grammarEbnf, withGeneratedEbnf } from "../../grammar/ebnf.js";

const SPEC = new URL("../../spec/language.md", import.meta.url);

describe("the EBNF in spec/language.md", () => {
  it("is generated from the chevrotain grammar (run `npm run gen:ebnf` after changing it)", () => {
    const spec = readFileSync(SPEC, "utf8");
    const expected = withGeneratedEbnf(spec);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(SPEC, expected);
    else expect(spec).toBe(expected);
  });

  it("names every rule of the parser once", () => {
    const lines = grammarEbnf().trim().split("\n");
    const names = lines.map((l) => l.split(" ")[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("module");
    expect(names).toContain("expr");
  });
});
