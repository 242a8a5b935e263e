/**
 * Does this adapter read rgba32f textures faster than storage buffers? Measured, not guessed:
 * llvmpipe builds buffer loads as per-lane scalar loops but texel fetches as vector gathers
 * (DESIGN.md §6); real GPUs are expected to load both at about the same speed. Two tiny
 * hand-written kernels run a matmul's inner loop reading the same 64 KiB once as f32 buffer
 * elements and once as texels; the best of a few timed dispatches each decides. Tens of
 * milliseconds on llvmpipe (mostly the two kernel compiles), once per device.
 *
 * The kernels are written here, not generated: the runtime does not import the compiler.
 */
import type { GpuDevice } from "../device/acquire.js";
import { BufferUsage, ShaderStage, TextureUsage } from "./gpu-constants.js";

export interface LoadProbe {
  /** Nanoseconds per f32 read, over the whole device (all invocations in parallel). */
  bufferNsPerFloat: number;
  textureNsPerFloat: number;
  /** Whether textures load at least MIN_SPEEDUP times faster than buffers. */
  textures: boolean;
}

/**
 * Texture reads must beat buffer reads by this factor: packing costs one pass over the operands,
 * small next to the K-fold reuse in the product. On llvmpipe the probe measured 1.5–2.0×, the
 * matmul kernels ~2×; real GPUs load both about equally fast.
 */
const MIN_SPEEDUP = 1.25;
/**
 * A small operand (64×64 texels, 64 KiB: it stays in cache, as a matmul's tiles do), read over
 * and over: what is timed is the load instructions, not memory bandwidth.
 */
const SIDE = 64;
const INVOCATIONS = 4096;
const STEPS = 256;
const TRIES = 3;

/**
 * Both kernels are the inner loop of a 4×4-tiled matmul: per step, one column of A and one row
 * of B (4 floats each: 8 buffer loads or 2 texel loads) and 16 multiply-adds, so the ratio
 * measured is the one the matmul kernels see. Step i of invocation id reads texels ta and tb
 * (neighbouring lanes read neighbouring texels of B, as neighbouring tiles do).
 */
const TEXELS = `let ta = (i * 67u + (id.x >> 3u)) & ${SIDE * SIDE - 1}u;
    let tb = (i * 131u + id.x) & ${SIDE * SIDE - 1}u;`;
const FMAS = `c0 += a.x * b; c1 += a.y * b; c2 += a.z * b; c3 += a.w * b;`;
const RESULT = `dst[id.x] = dot(c0 + c1 + c2 + c3, vec4<f32>(1.0f));`;

const BUFFER_KERNEL = `
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
fn at(t: u32) -> vec4<f32> {
  let e = t * 4u;
  return vec4<f32>(src[e], src[e + 1u], src[e + 2u], src[e + 3u]);
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  var c0 = vec4<f32>(0.0f); var c1 = c0; var c2 = c0; var c3 = c0;
  for (var i = 0u; i < ${STEPS}u; i++) {
    ${TEXELS}
    let a = at(ta);
    let b = at(tb);
    ${FMAS}
  }
  ${RESULT}
}`;

const TEXTURE_KERNEL = `
@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
fn at(t: u32) -> vec4<f32> {
  return textureLoad(src, vec2u(t & ${SIDE - 1}u, t >> ${Math.log2(SIDE)}u), 0);
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  var c0 = vec4<f32>(0.0f); var c1 = c0; var c2 = c0; var c3 = c0;
  for (var i = 0u; i < ${STEPS}u; i++) {
    ${TEXELS}
    let a = at(ta);
    let b = at(tb);
    ${FMAS}
  }
  ${RESULT}
}`;

const probes = new WeakMap<GPUDevice, Promise<LoadProbe>>();
const settled = new WeakMap<GPUDevice, LoadProbe>();

/** The probe's result for a device: measured on the first call, then cached. */
export function probeLoads(gpu: GpuDevice): Promise<LoadProbe> {
  let p = probes.get(gpu.device);
  if (!p) {
    p = measure(gpu.device).then((r) => {
      settled.set(gpu.device, r);
      return r;
    });
    probes.set(gpu.device, p);
  }
  return p;
}

/** The probe's result if it has finished for this device. */
export function probedLoads(gpu: GpuDevice): LoadProbe | undefined {
  return settled.get(gpu.device);
}

async function measure(device: GPUDevice): Promise<LoadProbe> {
  const floats = SIDE * SIDE * 4;
  const reads = INVOCATIONS * STEPS * 8;
  const data = new Float32Array(floats).map((_, i) => (i % 7) - 3);
  const src = device.createBuffer({
    size: floats * 4,
    usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(src, 0, data);
  const tex = device.createTexture({
    size: { width: SIDE, height: SIDE },
    format: "rgba32float",
    usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST,
  });
  device.queue.writeTexture(
    { texture: tex },
    data,
    { bytesPerRow: SIDE * 16 },
    { width: SIDE, height: SIDE },
  );
  const dst = device.createBuffer({ size: INVOCATIONS * 4, usage: BufferUsage.STORAGE });
  try {
    const [buffer, texture] = await Promise.all([
      pipeline(device, BUFFER_KERNEL, { buffer: { type: "read-only-storage" } }),
      pipeline(device, TEXTURE_KERNEL, { texture: { sampleType: "unfilterable-float" } }),
    ]);
    const bufferMs = await best(device, buffer, { buffer: src }, dst);
    const textureMs = await best(device, texture, tex.createView(), dst);
    return {
      bufferNsPerFloat: (bufferMs * 1e6) / reads,
      textureNsPerFloat: (textureMs * 1e6) / reads,
      textures: textureMs * MIN_SPEEDUP <= bufferMs,
    };
  } finally {
    src.destroy();
    tex.destroy();
    dst.destroy();
  }
}

interface Probe {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

async function pipeline(
  device: GPUDevice,
  code: string,
  source: Omit<GPUBindGroupLayoutEntry, "binding" | "visibility">,
): Promise<Probe> {
  const visibility = ShaderStage.COMPUTE;
  const layout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility, ...source },
      { binding: 1, visibility, buffer: { type: "storage" } },
    ],
  });
  const p = await device.createComputePipelineAsync({
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module: device.createShaderModule({ code }), entryPoint: "main" },
  });
  return { pipeline: p, layout };
}

/** The fastest of a few dispatches (the first one, which may still JIT, is not counted). */
async function best(
  device: GPUDevice,
  probe: Probe,
  source: GPUBindingResource,
  dst: GPUBuffer,
): Promise<number> {
  const group = device.createBindGroup({
    layout: probe.layout,
    entries: [
      { binding: 0, resource: source },
      { binding: 1, resource: { buffer: dst } },
    ],
  });
  let fastest = Infinity;
  for (let i = 0; i <= TRIES; i++) {
    const t0 = performance.now();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(probe.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(INVOCATIONS / 64);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    if (i > 0) fastest = Math.min(fastest, performance.now() - t0);
  }
  return fastest;
}
