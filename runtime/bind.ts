/**
 * What every backend does before it runs a graph or a schedule: bind the runtime dims from the
 * inputs' shapes (every disagreement reported at once) and evaluate the runtime requirements.
 */
import { evalDim, type DimExpr, type GraphCheck, type GraphInput } from "./graph.js";
import type { Tensor } from "./reference/tensor.js";

export class RunError extends Error {}

/** Binds the runtime dims from the inputs' shapes; every problem is reported at once. */
export function bindDims(
  graph: { inputs: readonly GraphInput[] },
  inputs: ReadonlyMap<string, Tensor>,
): Map<string, number> {
  const dims = new Map<string, number>();
  const problems: string[] = [];
  const where = new Map<string, string>();
  for (const input of graph.inputs) {
    const t = inputs.get(input.name);
    if (!t) {
      problems.push(`input '${input.name}' is missing`);
      continue;
    }
    if (t.dtype !== input.type.dtype)
      problems.push(`input '${input.name}' must be ${input.type.dtype}, got ${t.dtype}`);
    if (t.shape.length !== input.type.shape.length) {
      problems.push(
        `input '${input.name}' must have rank ${input.type.shape.length} (${shapeText(input.type.shape)}), got [${t.shape.join(", ")}]`,
      );
      continue;
    }
    input.type.shape.forEach((d, axis) => {
      const got = t.shape[axis]!;
      if (typeof d === "string") {
        const prev = dims.get(d);
        if (prev === undefined) {
          dims.set(d, got);
          where.set(d, `${input.name} axis ${axis}`);
        } else if (prev !== got) {
          problems.push(
            `dim ${d} is ${prev} (from ${where.get(d)}) but ${got} in input '${input.name}' axis ${axis}`,
          );
        }
      }
    });
  }
  // Then the axes that are expressions of the dims (e.g. T + 1) must agree.
  for (const input of graph.inputs) {
    const t = inputs.get(input.name);
    if (!t || t.shape.length !== input.type.shape.length) continue;
    input.type.shape.forEach((d, axis) => {
      if (typeof d === "string") return;
      let want: number;
      try {
        want = evalDim(d, dims);
      } catch {
        return;
      }
      if (want !== t.shape[axis])
        problems.push(`input '${input.name}' axis ${axis} must be ${want}, got ${t.shape[axis]}`);
    });
  }
  if (problems.length > 0) throw new RunError(problems.join("\n"));
  return dims;
}

function shapeText(shape: DimExpr[]): string {
  return `[${shape.map((d) => (typeof d === "object" ? "…" : String(d))).join(", ")}]`;
}

/** Evaluates the graph's runtime requirements; the first that fails is an error with its message. */
export function runChecks(
  graph: { checks: readonly GraphCheck[] },
  dims: ReadonlyMap<string, number>,
): void {
  for (const c of graph.checks) {
    const a = evalDim(c.lhs, dims);
    const b = evalDim(c.rhs, dims);
    const ok =
      c.op === "=="
        ? a === b
        : c.op === "!="
          ? a !== b
          : c.op === "<"
            ? a < b
            : c.op === "<="
              ? a <= b
              : c.op === ">"
                ? a > b
                : a >= b;
    if (!ok) throw new RunError(formatCheckMessage(c.message, dims));
  }
}

/**
 * A check's message for the user (spec/ir.md): `{name}` becomes the runtime dim's value, `\c`
 * the character c (a literal brace or backslash); anything else is kept.
 */
export function formatCheckMessage(message: string, dims: ReadonlyMap<string, number>): string {
  return message.replace(
    /\\([\s\S])|\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (whole, c?: string, n?: string) => (c !== undefined ? c : String(dims.get(n!) ?? whole)),
  );
}

/** Text that a check's message shows as it is: braces and backslashes escaped. */
export function escapeMessage(text: string): string {
  return text.replace(/[\\{}]/g, (c) => `\\${c}`);
}
