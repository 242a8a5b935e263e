/**
 * spec/ir.md's op table, the reference kernels and the WGSL code generators name exactly the
 * same ops: an op added to one without the others fails here.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { EMITTERS } from "../../compiler/codegen/wgsl/ops/index.js";
import { KERNELS } from "../../runtime/reference/kernels.js";

/** The op names of the table: the backquoted names in the first cell of each row. */
function specOps(): string[] {
  const path = fileURLToPath(new URL("../../spec/ir.md", import.meta.url));
  const lines = readFileSync(path, "utf8").split("\n");
  const start = lines.findIndex((l) => /^\|\s*op\s*\|/.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const ops: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const cell = line.split("|")[1] ?? "";
    for (const m of cell.matchAll(/`([^`]*)`/g)) ops.push(...m[1]!.trim().split(/\s+/));
  }
  return ops;
}

it("KERNELS has exactly the ops of spec/ir.md's table", () => {
  const ops = specOps();
  expect(ops.length).toBeGreaterThan(60);
  expect(new Set(ops).size).toBe(ops.length);
  expect(Object.keys(KERNELS).sort()).toEqual([...ops].sort());
});

it("the WGSL code generator has exactly the ops of spec/ir.md's table", () => {
  expect(Object.keys(EMITTERS).sort()).toEqual([...specOps()].sort());
});
