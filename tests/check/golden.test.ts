/**
 * Golden tests for semantic diagnostics (names, types, hyperparameters, shapes, limits): every
 * `tests/golden/semantic/NAME.arch` is an input with one mistake (a few have several independent
 * ones), and `NAME.expected` next to it is exactly what `archc check NAME.arch` prints for it (no
 * colour), display paths relative to the repository root. Modules in `tests/golden/semantic/lib/`
 * are only imported by the inputs (an import cycle, two modules declaring one name).
 *
 * Every file of `tests/golden/semantic-valid/` uses the same features correctly and must check
 * with no diagnostic at all.
 *
 * Run `UPDATE_GOLDEN=1 npx vitest run tests/check/golden.test.ts` to regenerate the `.expected`
 * files after a deliberate change, then read the diff.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkFiles, Program } from "../../compiler/check/index.js";
import { CODES } from "../../compiler/diagnostics/codes.js";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import type { SourceFile } from "../../compiler/diagnostics/source.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = "tests/golden/semantic";
const VALID_DIR = "tests/golden/semantic-valid";
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/**
 * Inputs whose mistake archc does not report today (their `.expected` is empty). Each is a known
 * bug: the test of its error is expected to fail, so fixing the checker turns it red here, and the
 * name then comes off this list.
 */
const KNOWN_MISSED = new Map([]);

/** Valid files that archc rejects today (false errors); as above, fixing them turns this red. */
const KNOWN_FALSE_ERRORS = new Map([
  ["requires-even-makes-halves-equal.arch", "ceil_div(hd, 2) != hd / 2 under hd % 2 == 0"],
]);

/** Codes that no single file's content can produce (`--model` only). */
const NOT_FROM_FILES = new Set(["A0319"]);

const archFiles = (dir: string) =>
  readdirSync(ROOT + dir)
    .filter((n) => n.endsWith(".arch"))
    .sort();

const inputs = archFiles(DIR);
const valid = archFiles(VALID_DIR);

interface Checked {
  diagnostics: Diagnostic[];
  rendered: string;
  sources: Map<string, SourceFile>;
}

/** What `archc check PATH` reports, with display paths relative to the repository root. */
function check(path: string): Checked {
  const program = new Program({ cwd: ROOT });
  const { diagnostics } = checkFiles(program, [path]);
  const sources = program.sources();
  return { diagnostics, rendered: renderDiagnostics(diagnostics, sources), sources };
}

function checkNoThrow(path: string): Checked {
  let result: Checked | undefined;
  expect(() => {
    result = check(path);
  }).not.toThrow();
  return result!;
}

const errors = (c: Checked) => c.diagnostics.filter((d) => d.severity === "error");

describe("semantic diagnostics (golden)", () => {
  it.each(inputs)("%s", (name) => {
    const { rendered } = checkNoThrow(`${DIR}/${name}`);
    const expectedPath = ROOT + `${DIR}/${name.replace(/\.arch$/, ".expected")}`;
    if (UPDATE) {
      writeFileSync(expectedPath, rendered);
      return;
    }
    expect(existsSync(expectedPath), `${expectedPath} is missing; run with UPDATE_GOLDEN=1`).toBe(
      true,
    );
    expect(rendered).toBe(readFileSync(expectedPath, "utf8"));
  });

  it.each(inputs.filter((n) => !KNOWN_MISSED.has(n)))("%s reports an error", (name) => {
    expect(errors(check(`${DIR}/${name}`)).length).toBeGreaterThan(0);
  });

  it.fails.each([...KNOWN_MISSED])("%s reports an error (known bug: %s)", (name) => {
    expect(errors(check(`${DIR}/${name}`)).length).toBeGreaterThan(0);
  });

  it("has enough inputs, and an input for every .expected file", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(45);
    const expected = readdirSync(ROOT + DIR).filter((n) => n.endsWith(".expected"));
    for (const e of expected) expect(inputs).toContain(e.replace(/\.expected$/, ".arch"));
    for (const n of KNOWN_MISSED.keys()) expect(inputs).toContain(n);
  });

  it("reports each of the three mistakes in several-independent-mistakes.arch exactly once", () => {
    const path = `${DIR}/several-independent-mistakes.arch`;
    const { diagnostics, sources } = check(path);
    const lines = diagnostics.map((d) => sources.get(path)!.position(d.location.span.start).line);
    expect(lines).toEqual([5, 16, 20]);
  });

  it("reports a failed stdlib requirement at the user's use site, the stdlib as related info", () => {
    const { diagnostics } = check(`${DIR}/requires-failed-stdlib.arch`);
    expect(diagnostics.map((d) => [d.code, d.location.file, d.message])).toEqual([
      [
        "A0308",
        `${DIR}/requires-failed-stdlib.arch`,
        "MultiHeadAttention: d=768 must split evenly into heads=10",
      ],
    ]);
    expect(diagnostics[0]!.related.map((r) => r.location.file)).toContain("stdlib/attention.arch");
  });

  it("refuses a billion layers in well under a second", () => {
    check(`${DIR}/repeat-too-many-instances.arch`); // warm up: parse the stdlib once
    for (const name of ["repeat-too-many-instances.arch", "stack-too-many-instances.arch"]) {
      const start = performance.now();
      const { diagnostics } = check(`${DIR}/${name}`);
      const ms = performance.now() - start;
      expect(diagnostics.map((d) => d.code)).toEqual(["A0502"]);
      expect(ms).toBeLessThan(500);
    }
  });

  it("covers every semantic code that a file's content can produce", () => {
    const seen = new Set(
      inputs.flatMap((n) => check(`${DIR}/${n}`).diagnostics.map((d) => d.code)),
    );
    const wanted = Object.keys(CODES).filter(
      (c) => /^A0[2-5]\d\d$/.test(c) && !NOT_FROM_FILES.has(c),
    );
    expect(wanted.filter((c) => !seen.has(c))).toEqual([]);
  });
});

describe("valid files check clean", () => {
  it.each(valid.filter((n) => !KNOWN_FALSE_ERRORS.has(n)))("%s", (name) => {
    const { diagnostics, rendered } = checkNoThrow(`${VALID_DIR}/${name}`);
    expect(rendered).toBe("");
    expect(diagnostics).toEqual([]);
  });

  it.fails.each([...KNOWN_FALSE_ERRORS])("%s (known false error: %s)", (name) => {
    expect(check(`${VALID_DIR}/${name}`).diagnostics).toEqual([]);
  });

  it("has enough valid files", () => {
    expect(valid.filter((n) => !KNOWN_FALSE_ERRORS.has(n)).length).toBeGreaterThanOrEqual(10);
    for (const n of KNOWN_FALSE_ERRORS.keys()) expect(valid).toContain(n);
  });
});
