/**
 * A compiled schedule: what the WGSL code generator produces from a graph and the WebGPU executor
 * runs. Plain JSON, like the graph (spec/runtime.md documents it), so generated model classes
 * carry it without the compiler.
 *
 * Every tensor value lives in a GPU buffer (or, for a matmul operand on an adapter that loads
 * textures faster, an rgba32f texture written by a packing kernel). A dispatch runs one kernel
 * over a 1-D range of workgroups, whose count is a dim expression; the executor folds counts
 * above the adapter's per-dimension limit into a 2-D grid, and the kernel rebuilds the linear
 * workgroup index. Every kernel's binding 0 is the uniform of the runtime dims.
 */
import type { DimExpr, DType, GraphCheck, GraphInput, GraphOutput, Provenance } from "./graph.js";
import type { TensorSpec } from "./graph.js";

/** How a kernel binds one value (bindings 1, 2, ...; binding 0 is the dims uniform). */
export type BindingKind =
  /** `var<storage, read>` */
  | "read"
  /** `var<storage, read_write>` */
  | "write"
  /** `texture_2d<f32>`: a value stored as a texture, read with textureLoad. */
  | "texture"
  /** `texture_storage_2d<rgba32float, write>`: a packing kernel writing a texture value. */
  | "texture-write";

export interface ScheduleKernel {
  /** Named after the op and its shapes (`matmul_f32_Tx64x192`); unique in the schedule. */
  name: string;
  wgsl: string;
  /** One per binding after the dims uniform, in binding order. */
  bindings: BindingKind[];
  /** Invocations per workgroup (the WGSL `@workgroup_size`, 1-D). */
  workgroupSize: number;
}

/** The layout of a value stored as an rgba32f texture: `width` texels by `height` rows. */
export interface TextureLayout {
  width: DimExpr;
  height: DimExpr;
}

export interface ScheduleValue {
  id: number;
  type: TensorSpec;
  /** A view of another value's buffer (a reshape): no buffer of its own, nothing copied. */
  viewOf?: number;
  /** Set when the value is stored as a texture instead of a buffer. */
  texture?: TextureLayout;
}

export interface ScheduleParam {
  path: string;
  value: number;
  type: { dtype: DType; shape: number[] };
}

/** One op a fused kernel computes, for schedules printed and profiled. */
export interface FusedOp {
  op: string;
  source?: Provenance;
}

export interface Dispatch {
  kernel: number;
  /** The value bound at each of the kernel's bindings. */
  bindings: number[];
  /** How many workgroups (1-D); zero skips the dispatch. */
  workgroups: DimExpr;
  /** The IR op and where it came from, for errors and profiles. */
  op: string;
  source?: Provenance;
  /** For a fused kernel: every op it computes, in order (`op` and `source` are the anchor's). */
  fused?: FusedOp[];
}

export interface Schedule {
  version: 1;
  model: string;
  /** Runtime dims, in the order of the dims uniform's fields. */
  dims: string[];
  inputs: GraphInput[];
  params: ScheduleParam[];
  outputs: GraphOutput[];
  checks: GraphCheck[];
  values: ScheduleValue[];
  kernels: ScheduleKernel[];
  dispatches: Dispatch[];
}

/** Bytes of one element in a GPU buffer: bool is stored as a u32 (WGSL has no 1-byte type). */
export const GPU_ELEMENT_BYTES: Readonly<Record<DType, number>> = { f32: 4, i32: 4, bool: 4 };

/** What a schedule is compiled for: the limits of the adapter it will run on. */
export interface WgslTarget {
  /** Invocations per workgroup (llvmpipe: 1024; WebGPU's default: 256). */
  maxWorkgroupSize: number;
  /** Storage buffers per shader stage. */
  maxStorageBuffers: number;
  /** Bytes of workgroup memory. */
  maxWorkgroupStorage: number;
  /** Texels per side of a 2-D texture. */
  maxTextureSize: number;
  /** Read matmul operands through rgba32f textures (faster on llvmpipe; see DESIGN.md §6). */
  textures: boolean;
  /**
   * How matmuls are tiled (spec/runtime.md, "Kernels"): `registers`, each invocation a 12×8
   * block of C read straight from buffers or textures (llvmpipe, where workgroup memory does
   * not pay), or `shared`, each workgroup a 64×64 block of C staged through workgroup memory
   * (real GPUs; not used together with `textures`). Absent means `registers`.
   */
  matmul?: MatmulStrategy;
}

/** The two matmul kernels a target can ask for. */
export type MatmulStrategy = "registers" | "shared";

/** WebGPU's default limits: what any adapter offers. */
export const DEFAULT_TARGET: WgslTarget = {
  maxWorkgroupSize: 256,
  maxStorageBuffers: 8,
  maxWorkgroupStorage: 16384,
  maxTextureSize: 8192,
  textures: false,
  matmul: "registers",
};
