/**
 * Compile-time values: what hyperparameters, lets and expressions evaluate to during checking
 * and elaboration. Ints and dims are `Dim`s (constant when known, symbolic in runtime dims or in
 * hyperparameters that have no value yet); a value that could not be computed because of an
 * earlier error is `unknown`, which silences follow-on errors.
 */
import type * as A from "../../grammar/ast.js";
import { Dim } from "../shapes/dim.js";
import type { DType, TensorType } from "../ops/types.js";
import { formatType } from "../ops/types.js";
import type { ModuleInfo } from "../modules/program.js";
import type { Instance } from "./instance.js";
import type { Location } from "../diagnostics/diagnostic.js";

export interface BlockRef {
  decl: A.BlockDecl;
  module: ModuleInfo;
}

export interface InterfaceRef {
  decl: A.InterfaceDecl;
  module: ModuleInfo;
}

export interface FnRef {
  decl: A.FnDecl;
  module: ModuleInfo;
}

/** The type of a hyperparameter (spec/language.md §3.1). */
export type HyperType =
  | { kind: "int" }
  | { kind: "dim" }
  | { kind: "float" }
  | { kind: "bool" }
  | { kind: "string" }
  | { kind: "enum"; members: string[] }
  | { kind: "tuple"; elems: HyperType[] }
  | { kind: "fn" }
  | { kind: "block" }
  | { kind: "interface"; iface: InterfaceRef; args: Map<string, Value> }
  /** A function parameter without annotation: any value, tensor or static. */
  | { kind: "any" };

/** A block applied to some (not necessarily all) of its hyperparameters. */
export interface BlockValue {
  kind: "block";
  block: BlockRef;
  bound: Map<string, Value>;
  /** Where each bound hyperparameter was written. */
  spans?: Map<string, Location>;
  /** An application of it was wrong (reported): instantiating it reports nothing more. */
  poisoned?: boolean;
}

export type Value =
  | { kind: "int"; dim: Dim }
  | { kind: "float"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "string"; value: string }
  | { kind: "enum"; members: string[]; member: string }
  | { kind: "tuple"; items: Value[] }
  | { kind: "list"; items: Value[] }
  | { kind: "fn"; fn: FnRef }
  | { kind: "primitive"; name: string }
  | BlockValue
  /** An interface-typed block hyperparameter without a value (a block checked on its own). */
  | { kind: "abstractBlock"; iface: InterfaceRef; args: Map<string, Value> }
  | { kind: "dtype"; dtype: DType }
  /** `id`: the value's number in the graph being built (when one is). */
  | { kind: "tensor"; type: TensorType; id?: number }
  | { kind: "layer"; instance: Instance }
  | { kind: "layers"; instances: Instance[] }
  | { kind: "module"; module: ModuleInfo; spec: string }
  /** An enum member name seen where no enum type was expected yet. */
  | { kind: "unresolvedName"; name: string }
  | { kind: "unknown" };

export const UNKNOWN: Value = { kind: "unknown" };

export function int(n: number): Value {
  return { kind: "int", dim: Dim.const(n) };
}

/** How a value is named in messages: `int 12`, `dim T`, `tensor f32[B, T, 768]`. */
export function describe(v: Value): string {
  switch (v.kind) {
    case "int":
      return v.dim.isConst() ? `int ${v.dim}` : `dim ${v.dim}`;
    case "float":
      return `float ${formatNumber(v.value)}`;
    case "bool":
      return `bool ${v.value}`;
    case "string":
      return `string "${v.value}"`;
    case "enum":
      return `'${v.member}'`;
    case "tuple":
      return `tuple (${v.items.map(describe).join(", ")})`;
    case "list":
      return `list [${v.items.map(describe).join(", ")}]`;
    case "fn":
      return `function ${v.fn.decl.name.name}`;
    case "primitive":
      return `primitive ${v.name}`;
    case "block":
      return `block ${blockValueString(v)}`;
    case "abstractBlock":
      return `a block conforming to ${v.iface.decl.name.name}`;
    case "dtype":
      return `dtype ${v.dtype}`;
    case "tensor":
      return `tensor ${formatType(v.type)}`;
    case "layer":
      return `layer ${v.instance.path}`;
    case "layers":
      return `stack of ${v.instances.length} layers`;
    case "module":
      return `module "${v.spec}"`;
    case "unresolvedName":
      return `name '${v.name}'`;
    case "unknown":
      return "an unknown value";
  }
}

/** A short value for instantiation chains: `768`, `1e-5`, `gelu`, `HourglassFFN(narrow=64)`. */
export function shortValue(v: Value): string {
  switch (v.kind) {
    case "int":
      return v.dim.toString();
    case "float":
      return formatNumber(v.value);
    case "bool":
      return String(v.value);
    case "string":
      return JSON.stringify(v.value);
    case "enum":
      return v.member;
    case "tuple":
      return `(${v.items.map(shortValue).join(", ")})`;
    case "list":
      return `[${v.items.map(shortValue).join(", ")}]`;
    case "fn":
      return v.fn.decl.name.name;
    case "primitive":
      return v.name;
    case "block":
      return blockValueString(v);
    case "dtype":
      return v.dtype;
    default:
      return describe(v);
  }
}

export function blockValueString(v: BlockValue): string {
  const args = [...v.bound.entries()].map(([k, x]) => `${k}=${shortValue(x)}`);
  return `${v.block.decl.name.name}(${args.join(", ")})`;
}

/** A float as written in .arch: `1.0`, `0.02`, `1e-5`, `inf`. */
export function formatNumber(n: number): string {
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toFixed(1);
  if (n !== 0 && Math.abs(n) < 1e-3) return n.toExponential().replace(/\.?0*e/, "e");
  return String(n);
}

export function typeString(t: HyperType): string {
  switch (t.kind) {
    case "enum":
      return `enum { ${t.members.join(", ")} }`;
    case "tuple":
      return `(${t.elems.map(typeString).join(", ")})`;
    case "interface":
      return `${t.iface.decl.name.name}(${[...t.args.values()].map(shortValue).join(", ")})`;
    default:
      return t.kind;
  }
}
