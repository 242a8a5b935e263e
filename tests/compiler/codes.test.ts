import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CODES } from "../../compiler/diagnostics/codes.js";

const doc = readFileSync(new URL("../../spec/diagnostics.md", import.meta.url), "utf8");

describe("spec/diagnostics.md", () => {
  const documented = [...doc.matchAll(/^### (A\d{4}) — (.*)$/gm)].map((m) => m[1]!);

  it("documents every code of the registry", () => {
    expect(documented.filter((c) => !(c in CODES))).toEqual([]);
    expect(Object.keys(CODES).filter((c) => !documented.includes(c))).toEqual([]);
  });

  it("lists each code once, in order", () => {
    expect(documented).toEqual([...documented].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });
});
