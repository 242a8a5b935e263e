/**
 * Graph → schedule. Unfused (the baseline, `--no-fuse`): every node becomes the dispatches of
 * its op's kernel generator. Fused: the fusion plan (fuse/plan.ts) groups nodes and each group
 * becomes one kernel (fuse/emit.ts); ungrouped nodes keep their op's kernel. Kernels with the
 * same WGSL are shared, so the twelve layers of a model compile each distinct kernel once.
 */
import {
  formatProvenance,
  type DimExpr,
  type Graph,
  type GraphNode,
  type Provenance,
  type TensorSpec,
} from "../../../runtime/graph.js";
import type {
  Dispatch,
  FusedOp,
  Schedule,
  ScheduleKernel,
  ScheduleValue,
  TextureLayout,
} from "../../../runtime/schedule.js";
import {
  CodegenError,
  DEFAULT_TARGET,
  type EmitContext,
  type KernelDef,
  type OpEmitter,
  type WgslTarget,
} from "./context.js";
import { emitGroup } from "./fuse/emit.js";
import { planFusion, type Group } from "./fuse/plan.js";
import { EMITTERS } from "./ops/index.js";
import { preludeFor } from "./prelude.js";
import { commentText, dimField, foldDim } from "./wgsl.js";

export interface CompileOptions {
  /** Fuse nodes into kernels (run `optimizeGraph` first); default: one kernel per primitive. */
  fuse?: boolean;
}

export function compileSchedule(
  graph: Graph,
  target: WgslTarget = DEFAULT_TARGET,
  options: CompileOptions = {},
): Schedule {
  const values = new Map<number, ScheduleValue>();
  const producers = new Map<number, GraphNode>();
  let nextValue = 0;
  const addValue = (id: number, type: TensorSpec) => {
    values.set(id, { id, type });
    nextValue = Math.max(nextValue, id + 1);
  };
  for (const i of graph.inputs) addValue(i.value, i.type);
  for (const p of graph.params) addValue(p.value, p.type);
  for (const n of graph.nodes) {
    n.outputs.forEach((v, i) => addValue(v, n.types[i]!));
    for (const v of n.outputs) producers.set(v, n);
  }

  const kernels: ScheduleKernel[] = [];
  const bySource = new Map<string, number>();
  const names = new Set<string>();
  const dispatches: Dispatch[] = [];
  const header = dimsHeader(graph.dims);

  const contextFor = (node: GraphNode, group?: Group): EmitContext => ({
    node,
    target,
    type(v) {
      const t = values.get(v);
      if (!t) throw new CodegenError(`${where(node)}: value %${v} is not defined`);
      return t.type;
    },
    producer: (v) => producers.get(v),
    temp(type: TensorSpec, texture?: TextureLayout) {
      const id = nextValue++;
      values.set(id, texture ? { id, type, texture } : { id, type });
      return id;
    },
    dispatch(kernel: KernelDef, bindings: number[], workgroups: DimExpr) {
      if (kernel.bindings.length !== bindings.length)
        throw new CodegenError(
          `${where(node)}: kernel ${kernel.name} has ${kernel.bindings.length} bindings, given ${bindings.length}`,
        );
      const storage = kernel.bindings.filter((b) => b.kind === "read" || b.kind === "write");
      if (storage.length > target.maxStorageBuffers)
        throw new CodegenError(
          `${where(node)}: kernel ${kernel.name} binds ${storage.length} storage buffers; the adapter allows ${target.maxStorageBuffers}`,
        );
      const body = assemble(kernel, header);
      let index = bySource.get(body);
      if (index === undefined) {
        const base = kernel.name.replace(/[^A-Za-z0-9_]/g, "_");
        let name = base;
        for (let k = 2; names.has(name); k++) name = `${base}_${k}`;
        names.add(name);
        index = kernels.length;
        kernels.push({
          name,
          wgsl: `${kernelComment(name, node, fusedOf(group))}\n${body}`,
          bindings: kernel.bindings.map((b) => b.kind),
          workgroupSize: kernel.workgroupSize,
        });
        bySource.set(body, index);
      }
      const d: Dispatch = {
        kernel: index,
        bindings,
        workgroups: foldDim(workgroups),
        op: node.op,
      };
      if (node.source) d.source = node.source;
      if (group) d.fused = fusedOf(group);
      dispatches.push(d);
    },
    view(output: number, of: number) {
      const v = values.get(output)!;
      // A view of a view shares the first buffer.
      v.viewOf = values.get(of)?.viewOf ?? of;
    },
  });

  const groups: Group[] =
    options.fuse !== true
      ? graph.nodes.map((n) => ({ kind: "op", nodes: [n], outer: [], row: [], writes: n.outputs }))
      : planFusion(graph, target);
  for (const group of groups) {
    if (group.kind === "op") {
      const node = group.nodes[0]!;
      const emit: OpEmitter | undefined = EMITTERS[node.op];
      if (!emit) throw new CodegenError(`${where(node)}: no WGSL kernel for op '${node.op}'`);
      emit(contextFor(node));
      continue;
    }
    const anchor = group.attention?.values ?? group.matmul ?? group.nodes[group.nodes.length - 1]!;
    emitGroup(contextFor(anchor, group), group);
  }

  // Only values the run touches: a fused kernel's intermediates never exist as buffers.
  const used = new Set<number>([
    ...graph.inputs.map((i) => i.value),
    ...graph.params.map((p) => p.value),
    ...graph.outputs.map((o) => o.value),
    ...dispatches.flatMap((d) => d.bindings),
  ]);
  for (const v of [...used]) {
    const base = values.get(v)?.viewOf;
    if (base !== undefined) used.add(base);
  }
  return {
    version: 1,
    model: graph.model,
    dims: [...graph.dims],
    inputs: graph.inputs,
    params: graph.params.map((p) => ({ path: p.path, value: p.value, type: p.type })),
    outputs: graph.outputs,
    checks: graph.checks,
    values: [...values.values()].filter((v) => used.has(v.id)).sort((a, b) => a.id - b.id),
    kernels,
    dispatches,
  };
}

/** The ops a fused kernel computes, in order (the matmul first), with their sources. */
function fusedOf(group: Group | undefined): FusedOp[] | undefined {
  if (!group) return undefined;
  const a = group.attention;
  const nodes = a
    ? [a.scores, ...group.nodes, a.values]
    : group.matmul
      ? [group.matmul, ...group.nodes]
      : group.nodes;
  return nodes.map((n) => (n.source ? { op: n.op, source: n.source } : { op: n.op }));
}

/** The comment heading a kernel: its name, and the op (or every fused op) with its span. */
function kernelComment(name: string, node: GraphNode, fused: FusedOp[] | undefined): string {
  if (!fused) return `// ${name}: ${node.op} at ${where(node)}`;
  return [
    `// ${name}: ${fused.length} ops fused`,
    ...fused.map((f) => `//   ${f.op} at ${where(f)}`),
  ].join("\n");
}

/** A node's source for a comment: a path with a line break in it must not end the comment. */
const where = (node: { source?: Provenance }) => commentText(formatProvenance(node.source));

/** The dims uniform: one u32 per runtime dim (a placeholder when there are none). */
function dimsHeader(dims: readonly string[]): string {
  const fields = dims.length
    ? dims.map((d) => `  ${dimField(d).slice("dims.".length)}: u32,`).join("\n")
    : "  unused: u32,";
  return `struct Dims {\n${fields}\n}\n@group(0) @binding(0) var<uniform> dims: Dims;`;
}

function bindingDecl(b: KernelDef["bindings"][number], index: number): string {
  const at = `@group(0) @binding(${index + 1})`;
  const scalar = b.dtype === "f32" ? "f32" : b.dtype === "i32" ? "i32" : "u32";
  const elem = b.vec4 ? `vec4<${scalar}>` : scalar;
  switch (b.kind) {
    case "read":
      return `${at} var<storage, read> ${b.name}: array<${elem}>;`;
    case "write":
      return `${at} var<storage, read_write> ${b.name}: array<${elem}>;`;
    case "texture":
      return `${at} var ${b.name}: texture_2d<f32>;`;
    case "texture-write":
      return `${at} var ${b.name}: texture_storage_2d<rgba32float, write>;`;
  }
}

/** The WGSL module of a kernel (without its name comment, which is added per schedule). */
function assemble(k: KernelDef, header: string): string {
  const n = k.workgroupSize;
  const own = `${k.module ?? ""}\n${k.body}`;
  return [
    header,
    ...k.bindings.map(bindingDecl),
    ...preludeFor(own),
    k.module?.trim() ?? "",
    `@compute @workgroup_size(${n})`,
    `fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {`,
    `  let wg = wid.y * nwg.x + wid.x;`,
    `  let gid = wg * ${n}u + lid;`,
    indent(k.body.trim()),
    `}`,
    ``,
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => (l ? `  ${l}` : l))
    .join("\n");
}
