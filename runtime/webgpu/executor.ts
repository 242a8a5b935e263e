/**
 * Runs a compiled schedule (runtime/schedule.ts) on a WebGPU device.
 *
 * - `prepare()` compiles every kernel (in parallel, cached per device).
 * - `setParams()` uploads the parameters once, then runs the dispatches that depend on nothing
 *   but parameters (a Linear's transposed weight, a packed texture) and keeps their results:
 *   they are the same on every run.
 * - `run()` binds the runtime dims from the inputs, refuses sizes over the adapter's limits
 *   before allocating anything, uploads the inputs, encodes every dispatch in one compute pass
 *   and one submit, and reads the outputs back. Buffers come from a pool and go back to it after
 *   their last use, so a second run of the same shapes allocates nothing.
 */
import { bindDims, RunError, runChecks } from "../bind.js";
import { constantWork, dispatchWrites } from "../constant-work.js";
import type { DType, Provenance } from "../graph.js";
import { evalDim, formatProvenance, type DimExpr } from "../graph.js";
import type { Tensor } from "../reference/tensor.js";
import type { Dispatch, Schedule, ScheduleValue } from "../schedule.js";
import { GPU_ELEMENT_BYTES } from "../schedule.js";
import type { GpuDevice } from "../device/acquire.js";
import { BufferUsage, MapMode, TextureUsage } from "./gpu-constants.js";
import { compileKernel, type CompiledKernel } from "./pipelines.js";

export { RunError };

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

const where = (source: Provenance | undefined) => formatProvenance(source);

/** Buffers by byte size, reused across dispatches and runs. */
class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly all: GPUBuffer[] = [];
  constructor(private readonly device: GPUDevice) {}

  static sizeOf(bytes: number): number {
    // At least 4 bytes (a zero-size binding is invalid), rounded to 256 so near sizes share.
    return Math.max(256, Math.ceil(bytes / 256) * 256);
  }

  /** Bytes in buffers handed out now, and the most at any time since `resetPeak`. */
  liveBytes = 0;
  peakBytes = 0;

  /** Bytes of every buffer the pool has created (what the device actually holds). */
  get allocatedBytes(): number {
    return this.all.reduce((n, b) => n + b.size, 0);
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  take(bytes: number): GPUBuffer {
    const size = BufferPool.sizeOf(bytes);
    this.liveBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    const reuse = this.free.get(size)?.pop();
    if (reuse) return reuse;
    const b = this.device.createBuffer({ size, usage: STORAGE_USAGE });
    this.all.push(b);
    return b;
  }

  give(buffer: GPUBuffer): void {
    this.liveBytes -= buffer.size;
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
    this.all.length = 0;
    this.free.clear();
  }
}

type Resource = { buffer: GPUBuffer } | { texture: GPUTexture };

export interface RunTimings {
  /** Milliseconds from encoding to outputs read back. */
  gpuMs: number;
  dispatches: number;
  /**
   * The most bytes of activations (inputs, intermediates, outputs) alive at once: buffers are
   * taken when first written and returned to the pool after their last read (liveness).
   */
  peakActivationBytes: number;
  /** Bytes the pool holds after the run (buffers are reused by exact size class). */
  poolBytes: number;
}

export class WebGPUExecutor {
  private kernels: CompiledKernel[] = [];
  private readonly pool: BufferPool;
  private readonly values = new Map<number, ScheduleValue>();
  /** Values that hold parameters or what is computed from parameters alone. */
  private readonly constant = new Set<number>();
  /** Dispatches run once by setParams. */
  private readonly prepareDispatches: Dispatch[] = [];
  /** Dispatches run by every run(). */
  private readonly runDispatches: Dispatch[] = [];
  /** Buffers and textures of the constant values, kept between runs. */
  private readonly persistent = new Map<number, Resource>();
  private readonly zeroDims: GPUBuffer;
  private prepared = false;
  private paramsSet = false;
  lastRun?: RunTimings;

  constructor(
    private readonly gpu: GpuDevice,
    readonly schedule: Schedule,
  ) {
    this.pool = new BufferPool(gpu.device);
    for (const v of schedule.values) this.values.set(v.id, v);
    this.zeroDims = gpu.device.createBuffer({
      size: this.dimsBytes(),
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    });
    this.splitConstantWork();
  }

  /** The dispatches every run() encodes (the rest ran once, at setParams). */
  get perRun(): readonly Dispatch[] {
    return this.runDispatches;
  }

  /**
   * Bytes a run's dispatches bind, summed over dispatches (each bound tensor counted once per
   * dispatch that reads or writes it): a model of the memory traffic of one forward.
   */
  bytesBound(dims: ReadonlyMap<string, number>): number {
    let total = 0;
    for (const d of this.runDispatches)
      for (const v of new Set(d.bindings)) {
        const value = this.values.get(v)!;
        total += value.texture
          ? evalDim(value.texture.width, dims) * evalDim(value.texture.height, dims) * 16
          : numelOf(value.type.shape, dims) * GPU_ELEMENT_BYTES[value.type.dtype];
      }
    return total;
  }

  private get device(): GPUDevice {
    return this.gpu.device;
  }

  private dimsBytes(): number {
    return Math.max(16, Math.ceil((this.schedule.dims.length * 4) / 16) * 16);
  }

  /** The value whose buffer a value uses (itself, or what it is a view of). */
  private base(id: number): number {
    return this.values.get(id)?.viewOf ?? id;
  }

  private writes(d: Dispatch): number[] {
    return dispatchWrites(this.schedule, d);
  }

  /** Which dispatches depend on parameters alone: run once, by setParams (constant-work.ts). */
  private splitConstantWork(): void {
    const { constant, once } = constantWork(this.schedule, { outputsPerRun: true });
    for (const v of constant) this.constant.add(v);
    this.schedule.dispatches.forEach((d, i) =>
      (once.has(i) ? this.prepareDispatches : this.runDispatches).push(d),
    );
  }

  /** Compiles every kernel (once per device and source). */
  async prepare(): Promise<void> {
    if (this.prepared) return;
    const firstUse = new Map<number, Dispatch>();
    for (const d of this.schedule.dispatches)
      if (!firstUse.has(d.kernel)) firstUse.set(d.kernel, d);
    this.kernels = await Promise.all(
      this.schedule.kernels.map((k, i) =>
        compileKernel(this.device, k, where(firstUse.get(i)?.source)),
      ),
    );
    this.prepared = true;
  }

  /** Uploads the parameters (checked by the caller: names, dtypes, shapes) and precomputes. */
  async setParams(params: ReadonlyMap<string, Tensor>): Promise<void> {
    await this.prepare();
    this.checkDevice();
    for (const r of this.persistent.values()) release(r);
    this.persistent.clear();
    for (const p of this.schedule.params) {
      const t = params.get(p.path);
      if (!t) throw new RunError(`parameter '${p.path}' is missing`);
      this.checkBindingSize(p.value, t.data.length * 4, `parameter '${p.path}'`);
      const buffer = this.device.createBuffer({
        size: BufferPool.sizeOf(t.data.length * 4),
        usage: STORAGE_USAGE,
      });
      this.device.queue.writeBuffer(buffer, 0, toGpu(t));
      this.persistent.set(p.value, { buffer });
    }
    const empty = new Map<string, number>();
    await this.encodeAndSubmit(this.prepareDispatches, this.zeroDims, empty, (v) => {
      let r = this.persistent.get(this.base(v));
      if (!r) {
        r = this.createResource(this.base(v), empty, "persistent");
        this.persistent.set(this.base(v), r);
      }
      return r;
    });
    this.paramsSet = true;
  }

  private checkDevice(): void {
    if (this.gpu.lost) throw new RunError(this.gpu.lost);
    const errors = this.gpu.errors.splice(0);
    if (errors.length) throw new RunError(`the GPU reported: ${errors.join("; ")}`);
  }

  private checkBindingSize(value: number, bytes: number, what: string): void {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      const producer = this.schedule.dispatches.find((d) => this.writes(d).includes(value));
      throw new RunError(
        `${what} needs ${bytes.toLocaleString("en-US")} bytes, over this adapter's ` +
          `${limit.toLocaleString("en-US")}-byte limit per storage binding` +
          (producer ? ` (made by ${producer.op} at ${where(producer.source)})` : "") +
          `; run it with smaller runtime sizes, or on an adapter with larger bindings (a GPU)`,
      );
    }
  }

  private createResource(
    id: number,
    dims: ReadonlyMap<string, number>,
    _kind: "persistent" | "run",
  ): Resource {
    const v = this.values.get(id)!;
    if (v.texture) {
      const width = evalDim(v.texture.width, dims);
      const height = evalDim(v.texture.height, dims);
      return {
        texture: this.device.createTexture({
          size: { width: Math.max(1, width), height: Math.max(1, height) },
          format: "rgba32float",
          usage: TextureUsage.TEXTURE_BINDING | TextureUsage.STORAGE_BINDING,
        }),
      };
    }
    const bytes = numelOf(v.type.shape, dims) * GPU_ELEMENT_BYTES[v.type.dtype];
    if (_kind === "persistent")
      return {
        buffer: this.device.createBuffer({ size: BufferPool.sizeOf(bytes), usage: STORAGE_USAGE }),
      };
    return { buffer: this.pool.take(bytes) };
  }

  /**
   * Runs the model on inputs (checked here: names, dtypes, dims); returns its outputs, or only
   * those named in `only` (the others are computed but not read back).
   */
  async run(
    inputs: ReadonlyMap<string, Tensor>,
    only?: readonly string[],
  ): Promise<Map<string, Tensor>> {
    if (only) {
      const names = new Set(this.schedule.outputs.map((o) => o.name));
      const unknown = only.filter((n) => !names.has(n));
      if (unknown.length > 0)
        throw new RunError(
          `no output named ${unknown.map((n) => `'${n}'`).join(", ")}; outputs: ${[...names].join(", ")}`,
        );
    }
    if (!this.paramsSet) {
      if (this.schedule.params.length > 0) throw new RunError("setParams() must come before run()");
      await this.setParams(new Map());
    }
    this.checkDevice();
    const dims = bindDims(this.schedule, inputs);
    runChecks(this.schedule, dims);
    this.checkLimits(dims);

    const dimsBuffer = this.device.createBuffer({
      size: this.dimsBytes(),
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(
      dimsBuffer,
      0,
      new Uint32Array([...this.schedule.dims.map((d) => dims.get(d) ?? 0), 0, 0, 0, 0]).slice(
        0,
        this.dimsBytes() / 4,
      ),
    );

    const live = new Map<number, Resource>();
    this.pool.resetPeak();
    for (const i of this.schedule.inputs) {
      const t = inputs.get(i.name)!;
      const buffer = this.pool.take(t.data.length * 4);
      this.device.queue.writeBuffer(buffer, 0, toGpu(t));
      live.set(i.value, { buffer });
    }
    const resource = (v: number): Resource => {
      const b = this.base(v);
      const p = this.persistent.get(b);
      if (p) return p;
      let r = live.get(b);
      if (!r) {
        r = this.createResource(b, dims, "run");
        live.set(b, r);
      }
      return r;
    };
    const t0 = performance.now();
    const outputs = await this.encodeAndSubmit(
      this.runDispatches,
      dimsBuffer,
      dims,
      resource,
      live,
      only && new Set(only),
    );
    this.lastRun = {
      gpuMs: performance.now() - t0,
      dispatches: this.runDispatches.length,
      peakActivationBytes: this.pool.peakBytes,
      poolBytes: this.pool.allocatedBytes,
    };
    dimsBuffer.destroy();
    for (const [id, r] of live) {
      if ("buffer" in r) this.pool.give(r.buffer);
      else r.texture.destroy();
      live.delete(id);
    }
    return outputs;
  }

  /** Every size problem of a run, found before anything is allocated. */
  private checkLimits(dims: ReadonlyMap<string, number>): void {
    const limits = this.device.limits;
    const problems: string[] = [];
    for (const v of this.values.values()) {
      if (v.viewOf !== undefined || this.constant.has(v.id)) continue;
      const producer = this.schedule.dispatches.find((d) => this.writes(d).includes(v.id));
      const at = producer ? ` (${producer.op} at ${where(producer.source)})` : "";
      if (v.texture) {
        const w = evalDim(v.texture.width, dims);
        const h = evalDim(v.texture.height, dims);
        if (w > limits.maxTextureDimension2D || h > limits.maxTextureDimension2D)
          problems.push(
            `a ${w}×${h} texture${at} is over the adapter's ${limits.maxTextureDimension2D}-texel limit`,
          );
        continue;
      }
      const bytes = numelOf(v.type.shape, dims) * GPU_ELEMENT_BYTES[v.type.dtype];
      if (bytes > limits.maxStorageBufferBindingSize)
        problems.push(
          `a ${v.type.dtype}[${v.type.shape.map((d) => evalDim(d, dims)).join(", ")}] tensor${at} needs ` +
            `${bytes.toLocaleString("en-US")} bytes, over the adapter's ` +
            `${limits.maxStorageBufferBindingSize.toLocaleString("en-US")}-byte limit per storage binding`,
        );
    }
    const maxGroups = limits.maxComputeWorkgroupsPerDimension;
    for (const d of this.runDispatches) {
      const n = evalDim(d.workgroups, dims);
      if (n > maxGroups * maxGroups)
        problems.push(`${d.op} at ${where(d.source)} needs ${n} workgroups, over ${maxGroups}²`);
    }
    if (problems.length)
      throw new RunError(
        `these sizes are over the limits of this adapter (${this.gpu.description}):\n  ` +
          problems.join("\n  ") +
          "\nRun with smaller runtime sizes, or on an adapter with larger limits (a GPU).",
      );
  }

  /**
   * Encodes `dispatches` in one compute pass, submits, and reads back the model's outputs
   * (when `live` is given: a run; those in `only`, when given). Values are released to the pool after their last use.
   */
  private async encodeAndSubmit(
    dispatches: Dispatch[],
    dimsBuffer: GPUBuffer,
    dims: ReadonlyMap<string, number>,
    resource: (v: number) => Resource,
    live?: Map<number, Resource>,
    only?: ReadonlySet<string>,
  ): Promise<Map<string, Tensor>> {
    const device = this.device;
    const lastUse = new Map<number, number>();
    dispatches.forEach((d, i) => d.bindings.forEach((v) => lastUse.set(this.base(v), i)));
    const keep = new Set(this.schedule.outputs.map((o) => this.base(o.value)));
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
    dispatches.forEach((d, i) => {
      const n = evalDim(d.workgroups, dims);
      const k = this.kernels[d.kernel]!;
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: dimsBuffer } }];
      d.bindings.forEach((v, j) => {
        const r = resource(v);
        entries.push({
          binding: j + 1,
          resource: "buffer" in r ? { buffer: r.buffer } : r.texture.createView(),
        });
      });
      if (n > 0) {
        pass.setPipeline(k.pipeline);
        pass.setBindGroup(0, device.createBindGroup({ layout: k.layout, entries }));
        const x = Math.min(n, maxGroups);
        pass.dispatchWorkgroups(x, Math.ceil(n / x));
      }
      // Values read for the last time go back to the pool (safe: dispatches run in order).
      if (live)
        for (const v of d.bindings) {
          const b = this.base(v);
          if (lastUse.get(b) === i && !keep.has(b) && live.has(b)) {
            const r = live.get(b)!;
            if ("buffer" in r) this.pool.give(r.buffer);
            live.delete(b);
          }
        }
    });
    pass.end();
    const staging: { name: string; dtype: DType; shape: number[]; buffer: GPUBuffer }[] = [];
    if (live) {
      for (const o of this.schedule.outputs) {
        if (only && !only.has(o.name)) continue;
        const v = this.values.get(o.value)!;
        const shape = v.type.shape.map((d) => evalDim(d, dims));
        const bytes = shape.reduce((a, b) => a * b, 1) * 4;
        const buffer = device.createBuffer({
          size: Math.max(4, bytes),
          usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
        });
        const src = resource(o.value);
        if (!("buffer" in src))
          throw new RunError(`output '${o.name}' is a texture (a compiler bug)`);
        if (bytes > 0) encoder.copyBufferToBuffer(src.buffer, 0, buffer, 0, bytes);
        staging.push({ name: o.name, dtype: v.type.dtype, shape, buffer });
      }
    }
    device.queue.submit([encoder.finish()]);
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    if (validation || oom) {
      for (const s of staging) s.buffer.destroy();
      throw new RunError(
        `the GPU refused the work: ${(validation ?? oom)!.message}` +
          (oom ? " (out of memory: try smaller runtime sizes)" : " (a bug in archc)"),
      );
    }
    const out = new Map<string, Tensor>();
    for (const s of staging) {
      await Promise.race([s.buffer.mapAsync(MapMode.READ), this.lostPromise()]);
      const bytes = s.buffer.getMappedRange().slice(0);
      s.buffer.unmap();
      s.buffer.destroy();
      out.set(s.name, fromGpu(s.dtype, s.shape, bytes));
    }
    if (!live) await Promise.race([device.queue.onSubmittedWorkDone(), this.lostPromise()]);
    this.checkDevice();
    return out;
  }

  private lostPromise(): Promise<never> {
    return this.device.lost.then((info) => {
      throw new RunError(`the GPU device was lost: ${info.message}`);
    });
  }

  /** Frees every buffer and texture (the device stays usable). */
  dispose(): void {
    for (const r of this.persistent.values()) release(r);
    this.persistent.clear();
    this.pool.destroy();
    this.zeroDims.destroy();
  }
}

function release(r: Resource): void {
  if ("buffer" in r) r.buffer.destroy();
  else r.texture.destroy();
}

function numelOf(shape: readonly DimExpr[], dims: ReadonlyMap<string, number>): number {
  return shape.reduce<number>((a, d) => a * evalDim(d, dims), 1);
}

/** A host tensor's elements as the GPU stores them (bool widened to u32). */
function toGpu(t: Tensor): Float32Array | Int32Array | Uint32Array {
  if (t.dtype === "bool") return Uint32Array.from(t.data as Uint8Array);
  return t.data as Float32Array | Int32Array;
}

function fromGpu(dtype: DType, shape: number[], bytes: ArrayBuffer): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === "f32") return { dtype, shape, data: new Float32Array(bytes, 0, n) };
  if (dtype === "i32") return { dtype, shape, data: new Int32Array(bytes, 0, n) };
  const u = new Uint32Array(bytes, 0, n);
  return { dtype, shape, data: Uint8Array.from(u, (x) => (x !== 0 ? 1 : 0)) };
}
