/**
 * Texts the hover and completion share: a declaration's signature as source (`block Linear(in:
 * dim, out: dim, bias: bool = true)`), a block instance's hyperparameters and parameter count,
 * and a value as a type (`f32[B, T, 768]`).
 */
import type * as A from "../grammar/ast.js";
import type { Instance } from "../compiler/check/instance.js";
import { shortValue, describe, type Value } from "../compiler/check/values.js";
import { formatType, numel } from "../compiler/ops/types.js";
import { Dim } from "../compiler/shapes/dim.js";
import { OPS } from "../compiler/ops/table.js";
import { formatSignature } from "../compiler/ops/signature.js";
import {
  COMPILE_TIME_FUNCTIONS,
  CONSTANTS,
  DTYPE_NAMES,
  INITIALIZERS,
  TYPE_NAMES,
} from "../compiler/check/builtins.js";

/** The source text of a span, with runs of whitespace (line breaks) collapsed. */
export function sourceOf(text: string, span: A.Span): string {
  return text.slice(span.start, span.end).replace(/\s+/g, " ").trim();
}

export function paramText(text: string, p: A.ParamDecl): string {
  let s = p.name.name;
  if (p.type) s += `: ${sourceOf(text, p.type.span)}`;
  if (p.default) s += ` = ${sourceOf(text, p.default.span)}`;
  return s;
}

/** `block Linear(in: dim, out: dim, bias: bool = true)`, `fn gelu(x)`, `model M = ...`. */
export function signature(text: string, decl: A.Node): string | undefined {
  switch (decl.kind) {
    case "Block":
      return `block ${decl.name.name}(${decl.params.map((p) => paramText(text, p)).join(", ")})`;
    case "Interface": {
      const f = decl.forward;
      const fwd = f ? `\n  ${sourceOf(text, f.span)}` : "";
      return `interface ${decl.name.name}(${decl.params.map((p) => paramText(text, p)).join(", ")})${fwd}`;
    }
    case "Fn": {
      const out = decl.outputs ? ` -> ${sourceOf(text, decl.outputs.span)}` : "";
      return `fn ${decl.name.name}(${decl.params.map((p) => paramText(text, p)).join(", ")})${out}`;
    }
    case "Model":
      return `model ${decl.name.name} = ${sourceOf(text, decl.value.span)}`;
    case "Let":
      return sourceOf(text, decl.span);
    case "ParamDecl":
      return paramText(text, decl);
    case "Param":
      return `param ${decl.name.name}: ${sourceOf(text, decl.type.span)}`;
    case "Layer":
      return `layer ${decl.name.name} = ${sourceOf(text, decl.value.span)}`;
    case "Forward":
      return sourceOf(text, {
        start: decl.span.start,
        end: decl.outputs?.span.end ?? decl.span.end,
      });
    default:
      return undefined;
  }
}

/** Parameters of an instance and everything below it (tied ones once), as a dim. */
export function paramCount(inst: Instance): Dim {
  let total = Dim.const(0);
  for (const p of inst.params) if (!p.tiedTo) total = total.add(numel(p.type.shape));
  for (const c of inst.layers.values())
    for (const x of Array.isArray(c) ? c : [c]) total = total.add(paramCount(x));
  return total;
}

export function formatCount(d: Dim): string {
  return d.value !== undefined ? d.value.toLocaleString("en-US") : d.toString();
}

/** `MultiHeadAttention(d=768, heads=12, causal=true, bias=true)` */
export function instanceLabel(inst: Instance): string {
  const args = [...inst.args].map(([k, v]) => `${k}=${shortValue(v)}`);
  return `${inst.block.decl.name.name}(${args.join(", ")})`;
}

/** A value as a type: `f32[B, T, d]`, `(f32[..], i32[..])`, `int 768`, `dim d / heads`. */
export function valueType(v: Value): string {
  if (v.kind === "tensor") return formatType(v.type);
  if (v.kind === "tuple" && v.items.every((x) => x.kind === "tensor"))
    return `(${v.items.map(valueType).join(", ")})`;
  if (v.kind === "layer") return `layer ${instanceLabel(v.instance)}`;
  if (v.kind === "layers")
    return `${v.instances.length} layers of ${v.instances[0] ? instanceLabel(v.instances[0]) : "?"}`;
  return describe(v);
}

/** What a built-in name is: a primitive's signature and doc, a function, a constant, a type. */
export function builtinDoc(name: string): { signature: string; doc: string } | undefined {
  const op = Object.hasOwn(OPS, name) ? OPS[name] : undefined;
  if (op) return { signature: formatSignature(op), doc: `primitive (${op.category}). ${op.doc}` };
  if ((COMPILE_TIME_FUNCTIONS as readonly string[]).includes(name))
    return { signature: `${name}(...)`, doc: "compile-time function of numbers" };
  if (Object.hasOwn(CONSTANTS, name))
    return { signature: name, doc: `constant ${name === "inf" ? "positive infinity" : "π"}` };
  if ((DTYPE_NAMES as readonly string[]).includes(name))
    return { signature: name, doc: "tensor element type" };
  if ((TYPE_NAMES as readonly string[]).includes(name))
    return { signature: name, doc: "hyperparameter type" };
  if ((INITIALIZERS as readonly string[]).includes(name))
    return { signature: name, doc: "parameter initializer" };
  return undefined;
}
