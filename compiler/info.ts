/**
 * `archc info`: the parameters of every block instance of a model (path, block, shapes, counts)
 * and the forward's FLOPs, so "matched budget" comparisons take one command. FLOPs are counted
 * by the primitives elaboration applies (spec/language.md §7; a multiply-add is 2 FLOPs) for one
 * sample (B = 1) at the given runtime sizes, and reported per token.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { loadModel, type CheckOptions } from "./check/index.js";
import type { Emitter, PrimitiveApplied } from "./check/elaborate.js";
import { walk, type Instance } from "./check/instance.js";
import type { Program } from "./modules/program.js";
import { Dim } from "./shapes/dim.js";
import { formatShape, numel } from "./ops/types.js";
import { shortValue } from "./check/values.js";

export interface InfoParam {
  name: string;
  shape: string;
  count: number;
  /** Set when the parameter is tied to (is) another one; it is then not counted again. */
  tiedTo?: string;
}

export interface InfoRow {
  path: string;
  block: string;
  /** Hyperparameters as given or defaulted. */
  args: Record<string, string>;
  params: InfoParam[];
  /** Parameters of this instance and everything below it. */
  totalParams: number;
  /** FLOPs of the primitives this instance's own forward applies (children excluded). */
  flops?: number;
  /** Bytes those primitives move, each as its own kernel (compiler/ops/table.ts). */
  bytes?: number;
}

export interface InfoReport {
  file: string;
  model: string;
  rows: InfoRow[];
  totalParams: number;
  /** Runtime sizes the FLOPs were counted at (B is 1). */
  sizes: Record<string, number>;
  flops?: number;
  /** Tokens: the product of the runtime sizes other than B. */
  tokens?: number;
  flopsPerToken?: number;
  /** Memory traffic of the forward with every primitive its own kernel (no fusion). */
  bytes?: number;
  bytesPerToken?: number;
}

export interface InfoResult {
  report?: InfoReport;
  diagnostics: Diagnostic[];
  /** Runtime dims the FLOPs need but no size was given for. */
  missingSizes: string[];
}

/** Counts the FLOPs and bytes of each primitive, by the instance whose forward applied it. */
class CostCounter implements Emitter {
  readonly flops = new Map<string, Dim>();
  readonly bytes = new Map<string, Dim>();
  primitive(
    _name: string,
    _args: unknown,
    result: PrimitiveApplied,
    instance: Instance | undefined,
  ): void {
    const key = instance?.path ?? "";
    this.flops.set(key, (this.flops.get(key) ?? Dim.const(0)).add(result.flops));
    this.bytes.set(key, (this.bytes.get(key) ?? Dim.const(0)).add(result.bytes));
  }
}

export function modelInfo(
  program: Program,
  file: string,
  model: string,
  set: Record<string, number>,
  opts: CheckOptions = {},
): InfoResult {
  const counter = new CostCounter();
  const loaded = loadModel(program, file, model, opts, counter);
  const inst = loaded.instance;
  if (!inst || loaded.diagnostics.some((d) => d.severity === "error")) {
    return { diagnostics: loaded.diagnostics, missingSizes: [] };
  }
  // Sizes: the model's `with` defaults, overridden by --set; B is one sample.
  const sizes: Record<string, number> = {};
  for (const [k, v] of loaded.sizes) {
    if (v.kind === "int" && v.dim.value !== undefined) sizes[k] = v.dim.value;
  }
  Object.assign(sizes, set);
  sizes.B = 1;
  // `--set S=1024` also sizes a variadic `...S` (taken as one dim).
  const size = (name: string): number | undefined =>
    sizes[name] ?? (name.startsWith("...") ? sizes[name.slice(3)] : undefined);

  const rows: InfoRow[] = [];
  const totals = new Map<string, number>();
  const all = [...walk(inst)];
  for (const i of [...all].reverse()) {
    const own = i.params
      .filter((p) => !p.tiedTo)
      .reduce((n, p) => n + (numel(p.type.shape).value ?? 0), 0);
    let total = own;
    for (const c of i.layers.values())
      for (const x of Array.isArray(c) ? c : [c]) total += totals.get(x.path) ?? 0;
    totals.set(i.path, total);
  }
  const missing = new Set<string>();
  const evalCost = (d: Dim): number | undefined => {
    const v = d.evaluate((s) => size(s.id) ?? size(s.name));
    if (v === undefined)
      for (const s of d.symbols())
        if (size(s.id) === undefined && size(s.name) === undefined)
          missing.add(s.name.replace(/^\.\.\./, ""));
    return v;
  };
  let flops: number | undefined = 0;
  let bytes: number | undefined = 0;
  for (const i of all) {
    const f = counter.flops.get(i.path);
    const n = f ? evalCost(f) : 0;
    if (n === undefined) flops = undefined;
    else if (flops !== undefined) flops += n;
    const b = counter.bytes.get(i.path);
    const m = b ? evalCost(b) : 0;
    if (m === undefined) bytes = undefined;
    else if (bytes !== undefined) bytes += m;
    const row: InfoRow = {
      path: i.path,
      block: i.block.decl.name.name,
      args: Object.fromEntries([...i.args].map(([k, v]) => [k, shortValue(v)])),
      params: i.params.map((p) => {
        const out: InfoParam = {
          name: p.name,
          shape: formatShape(p.type.shape),
          count: numel(p.type.shape).value ?? 0,
        };
        if (p.tiedTo) out.tiedTo = p.tiedTo;
        return out;
      }),
      totalParams: totals.get(i.path) ?? 0,
    };
    if (n !== undefined) row.flops = n;
    if (m !== undefined) row.bytes = m;
    rows.push(row);
  }
  const report: InfoReport = {
    file: loaded.module.displayPath,
    model,
    rows,
    totalParams: totals.get("") ?? 0,
    sizes,
  };
  if (flops !== undefined && bytes !== undefined) {
    const used = [...usedDims(counter)].map((n) => n.replace(/^\.\.\./, ""));
    const tokens = Object.entries(sizes)
      .filter(([k]) => k !== "B" && used.includes(k))
      .reduce((p, [, v]) => p * v, 1);
    Object.assign(report, {
      flops,
      tokens,
      flopsPerToken: flops / tokens,
      bytes,
      bytesPerToken: bytes / tokens,
    });
  }
  return {
    report,
    diagnostics: loaded.diagnostics,
    missingSizes: [...missing].filter((s) => s !== "B"),
  };
}

/** Runtime dims that appear in the FLOP and byte counts. */
function usedDims(counter: CostCounter): Set<string> {
  const out = new Set<string>();
  for (const d of [...counter.flops.values(), ...counter.bytes.values()])
    for (const s of d.symbols()) out.add(s.name);
  return out;
}

/** The report as a table: one row per instance, then the totals. */
export function formatInfo(r: InfoReport): string {
  const fmt = (n: number) => n.toLocaleString("en-US");
  const lines: string[] = [];
  const rows = r.rows.map((row) => {
    const depth = row.path === "" ? 0 : row.path.split(".").filter((s) => !/^\d+$/.test(s)).length;
    const name = row.path === "" ? r.model : row.path;
    const args = Object.entries(row.args)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    const params = row.params
      .map((p) => `${p.name} ${p.shape}${p.tiedTo ? ` = ${p.tiedTo}` : ""}`)
      .join(", ");
    return {
      name: "  ".repeat(Math.max(0, depth - 1)) + name,
      block: `${row.block}(${args})`,
      params,
      total: fmt(row.totalParams),
    };
  });
  const w = {
    name: Math.max(4, ...rows.map((x) => x.name.length)),
    block: Math.min(60, Math.max(5, ...rows.map((x) => x.block.length))),
    total: Math.max(10, ...rows.map((x) => x.total.length)),
  };
  const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  lines.push(
    `${"path".padEnd(w.name)}  ${"block".padEnd(w.block)}  ${"parameters".padStart(w.total)}  shapes`,
  );
  for (const x of rows)
    lines.push(
      `${x.name.padEnd(w.name)}  ${clip(x.block, w.block).padEnd(w.block)}  ${x.total.padStart(w.total)}  ${x.params}`,
    );
  lines.push("");
  lines.push(`total parameters: ${fmt(r.totalParams)}`);
  const sizes = Object.entries(r.sizes)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  if (r.flops !== undefined && r.flopsPerToken !== undefined) {
    lines.push(`forward FLOPs (${sizes}): ${fmt(r.flops)}`);
    lines.push(`FLOPs per token: ${fmt(Math.round(r.flopsPerToken))}`);
  }
  if (r.bytes !== undefined && r.bytesPerToken !== undefined && r.flops !== undefined) {
    lines.push(`memory traffic, unfused (${sizes}): ${fmt(r.bytes)} bytes`);
    lines.push(`bytes per token, unfused: ${fmt(Math.round(r.bytesPerToken))}`);
    if (r.bytes > 0)
      lines.push(`arithmetic intensity, unfused: ${(r.flops / r.bytes).toFixed(2)} FLOPs/byte`);
  }
  return lines.join("\n") + "\n";
}

export { formatShape };
