/**
 * The `archc` command as users run it: the built CLI (dist/, built by `npm test` before vitest) in
 * a child process, with its exit codes and output.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archc, ROOT } from "../support/archc.js";

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "archc-cli-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("archc", () => {
  it("prints its version and help; help names only the commands that work", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(archc(["--version"]).stdout.trim()).toBe(pkg.version);
    const help = archc(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/check/);
    expect(help.stdout).toMatch(/fmt/);
    expect(help.stdout).toMatch(/info/);
    for (const now of ["init", "run", "build", "lsp"]) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${now}\\b`, "m"));
    }
    for (const later of ["graph", "bench"]) {
      expect(help.stdout).not.toMatch(new RegExp(`^\\s+${later}\\b`, "m"));
    }
  });

  it("exits 2 on a usage error", () => {
    const r = archc(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

describe("archc check", () => {
  it("passes on every stdlib and example file", () => {
    const r = archc(["check", "stdlib", "examples"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/files ok/);
  });

  it("reports every syntax error of a file with file:line:col and exits 1", () => {
    const path = tempFile(
      "bad.arch",
      "block A {\n  param w: [d] = \n  layer l = Linear(d,, d)\n}\nmodel M = A(x = 1, 2)\n",
    );
    const r = archc(["check", path]);
    expect(r.code).toBe(1);
    const heads = r.stderr
      .split("\n")
      .filter((l) => l.startsWith(path))
      .map((l) => l.slice(path.length));
    expect(heads).toEqual([
      ":2:17: error[A0103]: expected an expression but found keyword 'layer'",
      ":3:22: error[A0101]: expected ',' or ')' but found ','",
      ":5:20: error[A0105]: positional argument after keyword argument 'x'",
    ]);
    expect(r.stderr).toMatch(/3 errors in 1 file/);
  });

  it("reports an unreadable file as a diagnostic, not a stack trace", () => {
    const r = archc(["check", "no/such/file.arch"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[A0009\]: cannot read 'no\/such\/file.arch': no such file/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("handles a file that is not UTF-8", () => {
    const dir = mkdtempSync(join(tmpdir(), "archc-cli-"));
    const path = join(dir, "latin1.arch");
    writeFileSync(path, Buffer.from([0x6c, 0x65, 0x74, 0x20, 0x78, 0x20, 0x3d, 0x20, 0xe9, 0x0a]));
    const r = archc(["check", path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error\[A0001\]: file is not valid UTF-8: invalid byte 0xe9 at byte offset 8/,
    );
  });
});

describe("archc fmt", () => {
  const messy =
    "block  A( d : dim ){param w:[d]=zeros // keep me\nforward(x:[d])->y:[d]{return x*w}}\n";
  const tidy =
    "block A(d: dim) {\n  param w: [d] = zeros // keep me\n\n  forward(x: [d]) -> y: [d] {\n    return x * w\n  }\n}\n";

  it("--check lists files that would change and exits 1; without it, rewrites them", () => {
    const path = tempFile("messy.arch", messy);
    const check = archc(["fmt", "--check", path]);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe(`${path}: not formatted\n`);
    expect(readFileSync(path, "utf8")).toBe(messy);
    expect(archc(["fmt", path]).code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(tidy);
    expect(archc(["fmt", "--check", path]).code).toBe(0);
  });

  it("formats standard input to standard output", () => {
    const r = archc(["fmt", "-"], messy);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(tidy);
  });

  it("refuses to format a file with syntax errors and leaves it untouched", () => {
    const text = "block A {\n  param w: [d = zeros\n}\n";
    const path = tempFile("broken.arch", text);
    const r = archc(["fmt", path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has syntax errors; not formatted/);
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it("--check passes on every well-formed .arch file of the repository", () => {
    // (tests/golden/syntax holds deliberately malformed files; they cannot be formatted)
    const r = archc([
      "fmt",
      "--check",
      "stdlib",
      "examples",
      "tests/golden/semantic",
      "tests/golden/semantic-valid",
    ]);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
  });
});
