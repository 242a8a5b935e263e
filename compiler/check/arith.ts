/**
 * Compile-time arithmetic on values (spec/language.md §6): ints are dims (exact division,
 * Python's remainder), floats are doubles, mixing them gives a float. A result that depends on a
 * runtime dim or an unknown hyperparameter is symbolic (ints) or unknown (comparisons, floats).
 */
import type * as A from "../../grammar/ast.js";
import { Dim } from "../shapes/dim.js";
import { COMPILE_TIME_FUNCTIONS } from "./builtins.js";
import { describe, type Value, UNKNOWN } from "./values.js";

/** A float whose value depends on a symbol (NaN): arithmetic and shapes go on. */
const UNKNOWN_FLOAT: Value = { kind: "float", value: NaN };

export type ArithResult =
  { ok: true; value: Value } | { ok: false; message: string; help?: string };

const ok = (value: Value): ArithResult => ({ ok: true, value });
const fail = (message: string, help?: string): ArithResult =>
  help ? { ok: false, message, help } : { ok: false, message };

function asFloat(v: Value): number | undefined {
  if (v.kind === "float") return v.value;
  if (v.kind === "int") return v.dim.value;
  return undefined;
}

function boolOf(b: boolean | undefined): Value {
  return b === undefined ? UNKNOWN : { kind: "bool", value: b };
}

/** Compares two ints; undefined when it depends on symbols. */
function compareInts(
  a: Dim,
  b: Dim,
  op: string,
  equal: (a: Dim, b: Dim) => boolean,
): boolean | undefined {
  const x = a.value;
  const y = b.value;
  if (op === "==" && equal(a, b)) return true;
  if (op === "!=" && equal(a, b)) return false;
  if (x === undefined || y === undefined) return undefined;
  return compareNumbers(x, y, op);
}

function compareNumbers(x: number, y: number, op: string): boolean {
  switch (op) {
    case "==":
      return x === y;
    case "!=":
      return x !== y;
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

export function staticBinary(
  op: A.BinaryOp,
  a: Value,
  b: Value,
  equal: (a: Dim, b: Dim) => boolean,
): ArithResult {
  if (a.kind === "unknown" || b.kind === "unknown") return ok(UNKNOWN);
  const cmp = op === "==" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">=";
  if (op === "&&" || op === "||") {
    if (a.kind !== "bool" || b.kind !== "bool")
      return fail(`'${op}' needs two bools, got ${describe(a)} and ${describe(b)}`);
    return ok({ kind: "bool", value: op === "&&" ? a.value && b.value : a.value || b.value });
  }
  if (cmp) {
    if (a.kind === "int" && b.kind === "int")
      return ok(boolOf(compareInts(a.dim, b.dim, op, equal)));
    const x = asFloat(a);
    const y = asFloat(b);
    if ((a.kind === "int" || a.kind === "float") && (b.kind === "int" || b.kind === "float")) {
      return ok(x === undefined || y === undefined ? UNKNOWN : boolOf(compareNumbers(x, y, op)));
    }
    if (op === "==" || op === "!=") {
      const same = sameValue(a, b);
      if (same === undefined) return fail(`cannot compare ${describe(a)} with ${describe(b)}`);
      return ok({ kind: "bool", value: op === "==" ? same : !same });
    }
    return fail(`'${op}' compares numbers, got ${describe(a)} and ${describe(b)}`);
  }
  if (a.kind === "int" && b.kind === "int") return intOp(op, a.dim, b.dim);
  if ((a.kind === "int" || a.kind === "float") && (b.kind === "int" || b.kind === "float")) {
    const x = asFloat(a);
    const y = asFloat(b);
    // A float of a symbolic int (1.0 / d, d not known yet) is a float of unknown value: still a
    // float, so tensor arithmetic with it keeps checking shapes.
    if (x === undefined || y === undefined) return ok(UNKNOWN_FLOAT);
    return ok({ kind: "float", value: floatOp(op, x, y) });
  }
  if (op === "+" && a.kind === "string" && b.kind === "string")
    return ok({ kind: "string", value: a.value + b.value });
  return fail(`'${op}' is not defined for ${describe(a)} and ${describe(b)}`);
}

function intOp(op: A.BinaryOp, a: Dim, b: Dim): ArithResult {
  switch (op) {
    case "+":
      return ok({ kind: "int", dim: a.add(b) });
    case "-":
      return ok({ kind: "int", dim: a.sub(b) });
    case "*":
      return ok({ kind: "int", dim: a.mul(b) });
    case "/": {
      if (b.value === 0) return fail(`division by zero: ${a} / ${b}`);
      const q = a.div(b);
      if (!q) {
        return fail(
          `${a} is not divisible by ${b} (${a} / ${b} leaves a remainder of ${a.mod(b)?.value ?? "?"})`,
          "use floor_div(a, b) or ceil_div(a, b) to round, or choose divisible sizes",
        );
      }
      return ok({ kind: "int", dim: q });
    }
    case "%": {
      const r = a.mod(b);
      return r ? ok({ kind: "int", dim: r }) : fail(`remainder by zero: ${a} % ${b}`);
    }
    case "**": {
      const x = a.value;
      const y = b.value;
      if (x === undefined || y === undefined) return ok(UNKNOWN);
      if (y < 0) return ok({ kind: "float", value: x ** y });
      return ok({ kind: "int", dim: Dim.const(x ** y) });
    }
    case "@":
      return fail("'@' multiplies tensors, not numbers");
    default:
      return fail(`'${op}' is not defined on ints`);
  }
}

function floatOp(op: A.BinaryOp, x: number, y: number): number {
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      return x / y;
    case "%":
      return x - Math.floor(x / y) * y;
    case "**":
      return x ** y;
    default:
      return NaN;
  }
}

/** Structural equality of static values (undefined: not comparable). */
function sameValue(a: Value, b: Value): boolean | undefined {
  if (a.kind !== b.kind) return undefined;
  switch (a.kind) {
    case "bool":
      return a.value === (b as typeof a).value;
    case "string":
      return a.value === (b as typeof a).value;
    case "enum":
      return a.member === (b as typeof a).member;
    case "dtype":
      return a.dtype === (b as typeof a).dtype;
    default:
      return undefined;
  }
}

export function staticUnary(op: A.UnaryOp, v: Value): ArithResult {
  if (v.kind === "unknown") return ok(UNKNOWN);
  if (op === "-") {
    if (v.kind === "int") return ok({ kind: "int", dim: v.dim.neg() });
    if (v.kind === "float") return ok({ kind: "float", value: -v.value });
    return fail(`unary '-' needs a number, got ${describe(v)}`);
  }
  if (v.kind === "bool") return ok({ kind: "bool", value: !v.value });
  return fail(`'!' needs a bool, got ${describe(v)}`);
}

const STATIC_FUNCTIONS: ReadonlySet<string> = new Set(COMPILE_TIME_FUNCTIONS);

/** Compile-time functions on numbers (spec §6). Undefined result: not a compile-time call. */
export function staticCall(name: string, args: Value[]): ArithResult | undefined {
  const nums = args.map(asFloat);
  // A compile-time function of a value not known yet (a symbolic hyperparameter's int(...)) is
  // not known either; the instance with concrete values computes it.
  if (STATIC_FUNCTIONS.has(name) && args.some((a) => a.kind === "unknown")) return ok(UNKNOWN);
  if (args.some((a) => a.kind !== "int" && a.kind !== "float")) return undefined;
  const ints = args.every((a) => a.kind === "int");
  const dims = args.map((a) => (a.kind === "int" ? a.dim : undefined));
  const x = nums[0];
  const need = (n: number) =>
    args.length === n
      ? undefined
      : fail(`${name} takes ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`);
  switch (name) {
    case "sqrt":
    case "exp":
    case "log":
      return (
        need(1) ?? ok(x === undefined ? UNKNOWN_FLOAT : { kind: "float", value: Math[name](x) })
      );
    case "abs":
      if (need(1)) return need(1);
      if (ints && x !== undefined) return ok({ kind: "int", dim: Dim.const(Math.abs(x)) });
      return ok(x === undefined ? UNKNOWN_FLOAT : { kind: "float", value: Math.abs(x) });
    case "maximum":
    case "minimum": {
      if (need(2)) return need(2);
      if (ints)
        return ok({
          kind: "int",
          dim: name === "maximum" ? dims[0]!.maximum(dims[1]!) : dims[0]!.minimum(dims[1]!),
        });
      const [p, q] = nums;
      if (p === undefined || q === undefined) return ok(UNKNOWN);
      return ok({ kind: "float", value: name === "maximum" ? Math.max(p, q) : Math.min(p, q) });
    }
    case "floor_div":
    case "ceil_div":
    case "round_up": {
      if (need(2)) return need(2);
      if (!ints) return fail(`${name} takes ints, got ${args.map(describe).join(" and ")}`);
      const [a, b] = [dims[0]!, dims[1]!];
      if (b.value === 0) return fail(`${name} by zero`);
      if (name === "floor_div") return ok({ kind: "int", dim: a.floorDiv(b)! });
      const up = a.ceilDiv(b)!;
      return ok({ kind: "int", dim: name === "ceil_div" ? up : up.mul(b) });
    }
    case "int":
      if (need(1)) return need(1);
      if (args[0]!.kind === "int") return ok(args[0]!);
      // A symbolic float (NaN) truncates to an unknown int, not to a NaN dim.
      return ok(
        x === undefined || Number.isNaN(x)
          ? UNKNOWN
          : { kind: "int", dim: Dim.const(Math.trunc(x)) },
      );
    case "float":
      return need(1) ?? ok(x === undefined ? UNKNOWN_FLOAT : { kind: "float", value: x });
    default:
      return undefined;
  }
}
