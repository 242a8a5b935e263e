/**
 * Signatures of the primitive operations: what each parameter accepts, and `bindArgs`, which binds
 * a call's arguments (positional, then keyword, as in spec §6) to the parameters and converts
 * them to one normalized form per parameter kind, so shape rules never see a raw argument.
 *
 * Parameter kinds, and the normalized value `bindArgs` stores for each (`Bound`):
 *
 * | kind            | accepts                                                    | normalized as                    |
 * | --------------- | ---------------------------------------------------------- | -------------------------------- |
 * | `tensor`        | a tensor; with `scalar: true` also an int/float/bool/dim   | `{kind:"tensor", type, weak?}`   |
 * | `tensors`       | a tuple (or list) of tensors                               | `{kind:"tuple", items: tensor[]}`|
 * | `int`           | an int, or a dim whose value is known                      | `{kind:"int"}`                   |
 * | `ints`          | an int or a tuple of ints (`axis = 1`, `axis = (1, 2)`)    | `{kind:"tuple", items: int[]}`   |
 * | `float`         | a float or an int (ints convert, §3.1)                     | `{kind:"float"}`                 |
 * | `scalar`        | an int, a float or a bool (a fill value)                   | `{kind:"int"\|"float"\|"bool"}`  |
 * | `bool`          | a bool                                                     | `{kind:"bool"}`                  |
 * | `string`        | a string                                                   | `{kind:"string"}`                |
 * | `dim`           | a size: an int or a (possibly symbolic) dim                | `{kind:"dim"}`                   |
 * | `dims`          | a tuple/list of sizes (`[B, T, 4, 16]`)                    | `{kind:"tuple", items: dim[]}`   |
 * | `dtype`         | a dtype                                                    | `{kind:"dtype"}`                 |
 * | `count_or_dims` | a number of pieces (an int) or a tuple of sizes (`split`)  | `{kind:"int"}` or tuple of dims  |
 * | `index`         | index elements (`x[..., 0:hd / 2]`)                        | `{kind:"index"}`                 |
 *
 * Sizes (`dim`, `dims`) whose value is a negative constant are refused unless the parameter is
 * `signed` (reshape's `-1`, arange's bounds, roll's shift).
 *
 * A **number at a tensor parameter** (`x * 2.0`, `where(m, s, -inf)`) is accepted where the
 * parameter says `scalar: true` (elementwise operands and `where`), and becomes a rank-0 tensor
 * with a `weak` marker that keeps the literal. Its dtype is provisional (int → i32, float → f32,
 * bool → bool) until the op's rule gives it the dtype of the other operands (see `rules.ts`,
 * `unifyDtypes`). A static `dim` value (`x * hd`) is a weak int.
 *
 * A parameter may be `variadic` (the last positional one: it collects the remaining positional
 * arguments into a tuple, as einsum's operands) and a signature may take the **rest of the
 * keywords** (`rest`: rearrange's axis sizes): keywords that name no parameter are collected,
 * converted to the rest's kind, under the rest's name as `{kind:"keywords"}`. A keyword that names
 * a declared parameter always binds that parameter.
 */
import { Dim, DimOverflowError } from "../shapes/dim.js";
import { DTYPES, formatType, type DType, type TensorType } from "./types.js";

// ------------------------------------------------------------------------------------ values

/** A number used where a tensor is expected: a rank-0 tensor whose dtype follows the others. */
export type WeakScalar =
  { kind: "int"; value: Dim } | { kind: "float"; value: number } | { kind: "bool"; value: boolean };

/** One element of an index `x[...]`. An int drops its axis; a slice keeps it. */
export type IndexElem =
  | { kind: "int"; value: Dim }
  | { kind: "slice"; start?: Dim; stop?: Dim; step?: number }
  | { kind: "ellipsis" };

/** An argument of a primitive call, as the elaborator hands it over. */
export type ArgValue =
  | { kind: "tensor"; type: TensorType; weak?: WeakScalar }
  | { kind: "int"; value: number }
  | { kind: "dim"; value: Dim }
  | { kind: "float"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "string"; value: string }
  | { kind: "dtype"; value: DType }
  | { kind: "tuple"; items: ArgValue[] }
  | { kind: "index"; elems: IndexElem[] };

export type TensorArg = Extract<ArgValue, { kind: "tensor" }>;

/** The keywords a signature's `rest` collected, in call order. */
export interface KeywordsValue {
  kind: "keywords";
  entries: Map<string, ArgValue>;
}

export type BoundValue = ArgValue | KeywordsValue;

/** Bound arguments by parameter name (and the rest's name), normalized per kind. */
export type Bound = Record<string, BoundValue>;

export interface Arg {
  /** Set for a keyword argument. */
  name?: string;
  value: ArgValue;
}

// ------------------------------------------------------------------------------------ errors

export interface OpError {
  message: string;
  /**
   * Which argument is at fault: a parameter name (or a rest keyword's name), which
   * `BindOk.sources` maps to the argument, or a number, the index of the argument in the call's
   * argument list. Absent when no argument is at fault (a missing argument: point at the call).
   */
  arg?: string | number;
  help?: string;
  notes?: string[];
}

/** Thrown inside shape rules and caught by the table, which returns it as `{ok: false}`. */
export class OpFailure extends Error {
  constructor(readonly error: OpError) {
    super(error.message);
  }
}

export function fail(
  message: string,
  arg?: string | number,
  extra: { help?: string; notes?: string[] } = {},
): never {
  const error: OpError = { message };
  if (arg !== undefined) error.arg = arg;
  if (extra.help !== undefined) error.help = extra.help;
  if (extra.notes !== undefined && extra.notes.length > 0) error.notes = extra.notes;
  throw new OpFailure(error);
}

// ------------------------------------------------------------------------------------ signatures

export type ParamKind =
  | "tensor"
  | "tensors"
  | "int"
  | "ints"
  | "float"
  | "scalar"
  | "bool"
  | "string"
  | "dim"
  | "dims"
  | "dtype"
  | "count_or_dims"
  | "index";

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  /** The value when the argument is omitted (already in normalized form). */
  default?: ArgValue;
  /** May be omitted with no default: then absent from `Bound` (arange's `b`). */
  optional?: boolean;
  /** Collects every remaining positional argument (last parameter only); never a keyword. */
  variadic?: boolean;
  /** A `tensor` parameter that accepts numbers as weak rank-0 scalars. */
  scalar?: boolean;
  /** A `dim`/`dims` parameter that accepts negative constants. */
  signed?: boolean;
}

export interface RestSpec {
  /** The key of the collected keywords in `Bound`. */
  name: string;
  kind: ParamKind;
}

export interface OpSignature {
  name: string;
  params: readonly ParamSpec[];
  rest?: RestSpec;
}

export type BindResult =
  | {
      ok: true;
      bound: Bound;
      /** Parameter name (or rest keyword) -> index of the argument that gave it. */
      sources: Record<string, number>;
    }
  | { ok: false; error: OpError };

const KIND_TEXT: Record<ParamKind, string> = {
  tensor: "a tensor",
  tensors: "a tuple of tensors",
  int: "an int",
  ints: "an int or a tuple of ints",
  float: "a float",
  scalar: "a number or a bool",
  bool: "a bool",
  string: "a string",
  dim: "a size",
  dims: "a list of sizes",
  dtype: `a dtype (${DTYPES.join(", ")})`,
  count_or_dims: "a number of pieces or a tuple of sizes",
  index: "an index",
};

function expected(p: ParamSpec): string {
  if (p.kind === "tensor" && p.scalar) return "a tensor or a number";
  return KIND_TEXT[p.kind];
}

/** `3.0` for an integral float, so a float default reads as a float. */
export function formatFloat(v: number): string {
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** How an argument value reads in a message: `the float 0.5`, `a tensor f32[B, T]`. */
export function describeArg(v: ArgValue): string {
  switch (v.kind) {
    case "tensor":
      if (v.weak) return `the number ${formatValue(v)}`;
      return `a tensor ${formatType(v.type)}`;
    case "int":
      return `the int ${v.value}`;
    case "dim":
      return v.value.isConst() ? `the int ${v.value}` : `the size ${v.value}`;
    case "float":
      return `the float ${formatFloat(v.value)}`;
    case "bool":
      return `the bool ${v.value}`;
    case "string":
      return `the string ${JSON.stringify(v.value)}`;
    case "dtype":
      return `the dtype ${v.value}`;
    case "tuple":
      return v.items.length === 1 ? "a tuple of 1 value" : `a tuple of ${v.items.length} values`;
    case "index":
      return "an index";
  }
}

/** A value as source text: `0.0`, `f32`, `(1, 2)`, `[B, T]`. */
export function formatValue(v: BoundValue): string {
  switch (v.kind) {
    case "tensor":
      if (!v.weak) return formatType(v.type);
      return v.weak.kind === "float" ? formatFloat(v.weak.value) : String(v.weak.value);
    case "int":
    case "bool":
    case "dtype":
      return String(v.value);
    case "dim":
      return v.value.toString();
    case "float":
      return formatFloat(v.value);
    case "string":
      return JSON.stringify(v.value);
    case "tuple":
      return `(${v.items.map(formatValue).join(", ")}${v.items.length === 1 ? "," : ""})`;
    case "index":
      return "[...]";
    case "keywords":
      return [...v.entries].map(([k, x]) => `${k} = ${formatValue(x)}`).join(", ");
  }
}

/** `transpose(x: tensor, a: int, b: int)`, `einsum(spec: string, ...operands: tensor)`. */
export function formatSignature(op: OpSignature): string {
  const parts = op.params.map((p) => {
    const head = `${p.variadic ? "..." : ""}${p.name}: ${p.kind}`;
    if (p.default) return `${head} = ${formatValue(p.default)}`;
    return p.optional ? `${head}?` : head;
  });
  if (op.rest) parts.push(`**${op.rest.name}: ${op.rest.kind}`);
  return `${op.name}(${parts.join(", ")})`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

// ------------------------------------------------------------------------------------ binding

/**
 * Binds a call's arguments to `op`'s parameters: positional arguments in order (a variadic
 * parameter takes the rest of them), then keywords by name (or into `rest`); defaults fill what
 * is left. Errors: a positional argument after a keyword, too many positional arguments, an
 * unknown keyword (with a suggestion), an argument given twice, a missing argument, and an
 * argument of the wrong kind. Every message starts with the op's name.
 */
export function bindArgs(op: OpSignature, args: readonly Arg[]): BindResult {
  try {
    return bindOrThrow(op, args);
  } catch (e) {
    if (e instanceof OpFailure) return { ok: false, error: e.error };
    if (e instanceof DimOverflowError) {
      return { ok: false, error: { message: `${op.name}: ${e.message}` } };
    }
    throw e;
  }
}

function bindOrThrow(op: OpSignature, args: readonly Arg[]): BindResult {
  // Computed only when an error needs it (binding runs for every primitive of every forward).
  let sigText: string | undefined;
  const sig = () => (sigText ??= `signature: ${formatSignature(op)}`);
  const raw = new Map<string, { value: ArgValue; index: number }>();
  const variadic: { value: ArgValue; index: number }[] = [];
  const rest = new Map<string, { value: ArgValue; index: number }>();
  let sawKeyword = false;
  let position = 0;

  args.forEach((arg, index) => {
    if (arg.name === undefined) {
      if (sawKeyword) {
        fail(`${op.name}: a positional argument cannot follow a keyword argument`, index, {
          notes: [sig()],
        });
      }
      const p = op.params[position];
      if (!p) {
        const n = op.params.length;
        fail(
          `${op.name}: too many arguments: it takes ${n} ${n === 1 ? "argument" : "arguments"}, got ${args.filter((a) => a.name === undefined).length}`,
          index,
          { notes: [sig()] },
        );
      }
      if (p.variadic) variadic.push({ value: arg.value, index });
      else {
        raw.set(p.name, { value: arg.value, index });
        position++;
      }
      return;
    }
    sawKeyword = true;
    const name = arg.name;
    const p = op.params.find((q) => q.name === name);
    if (p) {
      if (p.variadic) {
        fail(`${op.name}: ${name} are positional arguments and cannot be given by keyword`, index, {
          notes: [sig()],
        });
      }
      if (raw.has(name)) fail(`${op.name}: argument ${name} is given twice`, index);
      raw.set(name, { value: arg.value, index });
      return;
    }
    if (op.rest) {
      if (rest.has(name)) fail(`${op.name}: argument ${name} is given twice`, index);
      rest.set(name, { value: arg.value, index });
      return;
    }
    const close = op.params
      .map((q) => ({ q, d: editDistance(q.name, name) }))
      .filter(({ d }) => d <= Math.max(1, Math.min(2, Math.floor(name.length / 3))))
      .sort((a, b) => a.d - b.d)[0];
    const extra: { help?: string; notes: string[] } = { notes: [sig()] };
    if (close) extra.help = `did you mean ${close.q.name}?`;
    fail(`${op.name}: unknown keyword argument ${name}`, index, extra);
  });

  const bound: Bound = {};
  const sources: Record<string, number> = {};
  for (const p of op.params) {
    if (p.variadic) {
      bound[p.name] = {
        kind: "tuple",
        items: variadic.map((v) => convert(op, p, v.value, v.index)),
      };
      if (variadic[0]) sources[p.name] = variadic[0].index;
      continue;
    }
    const given = raw.get(p.name);
    if (given) {
      bound[p.name] = convert(op, p, given.value, p.name);
      sources[p.name] = given.index;
    } else if (p.default) {
      bound[p.name] = p.default;
    } else if (!p.optional) {
      fail(`${op.name}: missing argument ${p.name} (${expected(p)})`, undefined, {
        notes: [sig()],
      });
    }
  }
  if (op.rest) {
    const spec = op.rest;
    const entries = new Map<string, ArgValue>();
    for (const [name, v] of rest) {
      entries.set(name, convert(op, { name, kind: spec.kind }, v.value, name));
      sources[name] = v.index;
    }
    bound[spec.name] = { kind: "keywords", entries };
  }
  return { ok: true, bound, sources };
}

/** Converts one argument to the normalized form of `p.kind`, or fails naming it. */
function convert(op: OpSignature, p: ParamSpec, v: ArgValue, at: string | number): ArgValue {
  const wrong = (why = ""): never =>
    fail(`${op.name}: ${p.name} must be ${expected(p)}, got ${describeArg(v)}${why}`, at);
  const knownInt = (x: ArgValue): number | undefined =>
    x.kind === "int" ? x.value : x.kind === "dim" ? x.value.value : undefined;
  const unknownDim = (x: ArgValue): boolean => x.kind === "dim" && !x.value.isConst();
  const size = (x: ArgValue, what: string): Dim => {
    const d = x.kind === "int" ? Dim.const(x.value) : x.kind === "dim" ? x.value : undefined;
    if (!d) return fail(`${op.name}: ${what} must be a size, got ${describeArg(x)}`, at);
    const n = d.value;
    if (n !== undefined && n < 0 && !p.signed) {
      fail(`${op.name}: ${what} must not be negative, got ${n}`, at);
    }
    return d;
  };

  switch (p.kind) {
    case "tensor":
      if (v.kind === "tensor") return v;
      if (p.scalar) {
        if (v.kind === "int") return weakTensor({ kind: "int", value: Dim.const(v.value) });
        if (v.kind === "dim") return weakTensor({ kind: "int", value: v.value });
        if (v.kind === "float") return weakTensor({ kind: "float", value: v.value });
        if (v.kind === "bool") return weakTensor({ kind: "bool", value: v.value });
      }
      return wrong();
    case "tensors":
      if (v.kind !== "tuple") return wrong();
      v.items.forEach((item, i) => {
        if (item.kind !== "tensor" || item.weak) {
          fail(
            `${op.name}: ${p.name} must be a tuple of tensors, but item ${i} is ${describeArg(item)}`,
            at,
          );
        }
      });
      return v;
    case "int": {
      const n = knownInt(v);
      if (n === undefined) return wrong(unknownDim(v) ? " (it must be known at compile time)" : "");
      return { kind: "int", value: n };
    }
    case "ints": {
      const one = knownInt(v);
      if (one !== undefined) return { kind: "tuple", items: [{ kind: "int", value: one }] };
      if (v.kind !== "tuple")
        return wrong(unknownDim(v) ? " (it must be known at compile time)" : "");
      return {
        kind: "tuple",
        items: v.items.map((item, i) => {
          const n = knownInt(item);
          if (n === undefined) {
            fail(
              `${op.name}: ${p.name} must be ${expected(p)}, but item ${i} is ${describeArg(item)}`,
              at,
            );
          }
          return { kind: "int", value: n };
        }),
      };
    }
    case "float": {
      if (v.kind === "float") return v;
      const n = knownInt(v);
      if (n === undefined) return wrong();
      return { kind: "float", value: n };
    }
    case "scalar":
      if (v.kind === "float" || v.kind === "int" || v.kind === "bool") return v;
      if (v.kind === "dim" && v.value.isConst()) return { kind: "int", value: v.value.value! };
      return wrong();
    case "bool":
    case "string":
    case "dtype":
    case "index":
      return v.kind === p.kind ? v : wrong();
    case "dim":
      if (v.kind !== "int" && v.kind !== "dim") return wrong();
      return { kind: "dim", value: size(v, p.name) };
    case "dims":
      if (v.kind !== "tuple") return wrong(" (write the sizes as a list: [B, T])");
      return {
        kind: "tuple",
        items: v.items.map((item, i) => ({ kind: "dim", value: size(item, `${p.name}[${i}]`) })),
      };
    case "count_or_dims": {
      if (v.kind === "tuple") {
        return {
          kind: "tuple",
          items: v.items.map((item, i) => ({ kind: "dim", value: size(item, `${p.name}[${i}]`) })),
        };
      }
      const n = knownInt(v);
      if (n === undefined) {
        return wrong(unknownDim(v) ? " (a number of pieces must be known at compile time)" : "");
      }
      return { kind: "int", value: n };
    }
  }
}

function weakTensor(weak: WeakScalar): TensorArg {
  const dtype: DType = weak.kind === "int" ? "i32" : weak.kind === "float" ? "f32" : "bool";
  return { kind: "tensor", type: { dtype, shape: [] }, weak };
}

// ------------------------------------------------------------------------------------ accessors
// Shape rules read bound values through these; a mismatch is a bug in the table, not user error.

function get(bound: Bound, name: string): BoundValue {
  const v = Object.hasOwn(bound, name) ? bound[name] : undefined;
  if (!v) throw new Error(`internal: parameter ${name} is not bound`);
  return v;
}

function internal(name: string, want: string, v: BoundValue): never {
  throw new Error(`internal: parameter ${name} is bound to ${v.kind}, expected ${want}`);
}

export function has(bound: Bound, name: string): boolean {
  return Object.hasOwn(bound, name);
}

export function tensorArg(bound: Bound, name: string): TensorArg {
  const v = get(bound, name);
  return v.kind === "tensor" ? v : internal(name, "tensor", v);
}

export function tensorsArg(bound: Bound, name: string): TensorArg[] {
  const v = get(bound, name);
  if (v.kind !== "tuple") return internal(name, "tuple", v);
  return v.items.map((item) => (item.kind === "tensor" ? item : internal(name, "tensor", item)));
}

export function intArg(bound: Bound, name: string): number {
  const v = get(bound, name);
  return v.kind === "int" ? v.value : internal(name, "int", v);
}

export function intsArg(bound: Bound, name: string): number[] {
  const v = get(bound, name);
  if (v.kind !== "tuple") return internal(name, "tuple", v);
  return v.items.map((item) => (item.kind === "int" ? item.value : internal(name, "int", item)));
}

export function floatArg(bound: Bound, name: string): number {
  const v = get(bound, name);
  return v.kind === "float" ? v.value : internal(name, "float", v);
}

export function boolArg(bound: Bound, name: string): boolean {
  const v = get(bound, name);
  return v.kind === "bool" ? v.value : internal(name, "bool", v);
}

export function stringArg(bound: Bound, name: string): string {
  const v = get(bound, name);
  return v.kind === "string" ? v.value : internal(name, "string", v);
}

export function dtypeArg(bound: Bound, name: string): DType {
  const v = get(bound, name);
  return v.kind === "dtype" ? v.value : internal(name, "dtype", v);
}

export function dimArg(bound: Bound, name: string): Dim {
  const v = get(bound, name);
  return v.kind === "dim" ? v.value : internal(name, "dim", v);
}

export function dimsArg(bound: Bound, name: string): Dim[] {
  const v = get(bound, name);
  if (v.kind !== "tuple") return internal(name, "tuple", v);
  return v.items.map((item) => (item.kind === "dim" ? item.value : internal(name, "dim", item)));
}

export function scalarArg(
  bound: Bound,
  name: string,
): Extract<ArgValue, { kind: "int" | "float" | "bool" }> {
  const v = get(bound, name);
  return v.kind === "int" || v.kind === "float" || v.kind === "bool"
    ? v
    : internal(name, "scalar", v);
}

export function indexArg(bound: Bound, name: string): IndexElem[] {
  const v = get(bound, name);
  return v.kind === "index" ? v.elems : internal(name, "index", v);
}

export function keywordsArg(bound: Bound, name: string): Map<string, ArgValue> {
  const v = get(bound, name);
  return v.kind === "keywords" ? v.entries : internal(name, "keywords", v);
}
