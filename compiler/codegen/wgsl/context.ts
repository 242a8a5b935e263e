/**
 * What a kernel generator sees while it turns one graph node into dispatches: the node, the
 * types of values, the target's limits, and ways to add kernels, temporaries, views and
 * dispatches to the schedule being built.
 */
import type { DimExpr, DType, GraphNode, TensorSpec } from "../../../runtime/graph.js";
import type { BindingKind, TextureLayout } from "../../../runtime/schedule.js";

export type { WgslTarget } from "../../../runtime/schedule.js";
export { DEFAULT_TARGET } from "../../../runtime/schedule.js";
import type { WgslTarget } from "../../../runtime/schedule.js";

export interface KernelBinding {
  /** The WGSL variable name. */
  name: string;
  kind: BindingKind;
  /** Element type, for buffer bindings. */
  dtype: DType;
  /** Read an f32 buffer as `array<vec4<f32>>`: one load per four elements. */
  vec4?: boolean;
}

/** A kernel before it is assembled into a WGSL module. */
export interface KernelDef {
  /** Op and shapes (`add_f32_BxTx64`); made unique in the schedule. */
  name: string;
  /** Bindings after the dims uniform, in order. */
  bindings: KernelBinding[];
  workgroupSize: number;
  /** Module-scope WGSL: helper functions, constants, `var<workgroup>` arrays. */
  module?: string;
  /**
   * The body of `main`. In scope: `wg` (the linear workgroup index), `lid` (the invocation's
   * index in its workgroup), `gid` (`wg * workgroupSize + lid`), and `dims` (the runtime dims).
   */
  body: string;
}

export interface EmitContext {
  readonly node: GraphNode;
  readonly target: WgslTarget;
  /** The type of a value. */
  type(value: number): TensorSpec;
  /** The node that produced a value (undefined for inputs and parameters). */
  producer(value: number): GraphNode | undefined;
  /** A new value for an intermediate result, optionally stored as a texture. */
  temp(type: TensorSpec, texture?: TextureLayout): number;
  /** Runs `kernel` over `workgroups` workgroups with `bindings` (value ids, in kernel order). */
  dispatch(kernel: KernelDef, bindings: number[], workgroups: DimExpr): void;
  /** `output` shares `of`'s buffer (a reshape): no kernel, nothing copied. */
  view(output: number, of: number): void;
}

/** A kernel generator: the dispatches of one op. */
export type OpEmitter = (ctx: EmitContext) => void;

/** A node the code generator cannot render: a compiler bug, reported with the node's source. */
export class CodegenError extends Error {}
