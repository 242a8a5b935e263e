/**
 * Golden tests for syntax diagnostics: every `tests/golden/syntax/NAME.arch` is a malformed input,
 * and `NAME.expected` next to it is exactly what archc prints for it (no colour). Run
 * `UPDATE_GOLDEN=1 npx vitest run tests/grammar/golden.test.ts` to regenerate the `.expected`
 * files after a deliberate change, then read the diff.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CODES } from "../../compiler/diagnostics/codes.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import { loadBytes, type LoadedFile } from "../../compiler/load.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = "tests/golden/syntax";
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Codes that no file content can produce (they are about reading the file itself). */
const NOT_FROM_CONTENT = new Set(["A0008", "A0009"]);

const inputs = readdirSync(ROOT + DIR)
  .filter((n) => n.endsWith(".arch"))
  .sort();

function load(name: string): LoadedFile {
  const path = `${DIR}/${name}`;
  return loadBytes(path, readFileSync(ROOT + path));
}

function render(file: LoadedFile): string {
  return renderDiagnostics(file.diagnostics, new Map([[file.path, file.source]]));
}

describe("syntax diagnostics (golden)", () => {
  it.each(inputs)("%s", (name) => {
    let file: LoadedFile | undefined;
    expect(() => {
      file = load(name);
    }).not.toThrow();
    const loaded = file!;
    expect(loaded.diagnostics.some((d) => d.severity === "error")).toBe(true);

    const actual = render(loaded);
    const expectedPath = ROOT + `${DIR}/${name.replace(/\.arch$/, ".expected")}`;
    if (UPDATE) {
      writeFileSync(expectedPath, actual);
      return;
    }
    expect(existsSync(expectedPath), `${expectedPath} is missing; run with UPDATE_GOLDEN=1`).toBe(
      true,
    );
    expect(actual).toBe(readFileSync(expectedPath, "utf8"));
  });

  it("has enough inputs, and an input for every .expected file", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(35);
    const expected = readdirSync(ROOT + DIR).filter((n) => n.endsWith(".expected"));
    for (const e of expected) expect(inputs).toContain(e.replace(/\.expected$/, ".arch"));
  });

  it("reports each of the five independent mistakes in five-errors.arch exactly once", () => {
    const diags = load("five-errors.arch").diagnostics;
    expect(diags.map((d) => d.code)).toEqual(["A0101", "A0103", "A0106", "A0107", "A0101"]);
  });

  it("covers every lexical and syntax code that a file's content can produce", () => {
    const seen = new Set(inputs.flatMap((n) => load(n).diagnostics.map((d) => d.code)));
    const wanted = Object.keys(CODES).filter(
      (c) => /^A0[01]\d\d$/.test(c) && !NOT_FROM_CONTENT.has(c),
    );
    expect(wanted.filter((c) => !seen.has(c))).toEqual([]);
  });
});
