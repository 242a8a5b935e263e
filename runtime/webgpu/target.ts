/**
 * The code generator's target for a device: its actual limits, and how it likes its operands.
 * Whether matmul operands go through textures is measured per device (probe.ts);
 * `ARCHC_TEXTURES=0|1` overrides the measurement. Which matmul kernel to use is chosen by the
 * kind of adapter, not measured: workgroup-memory tiles (`shared`) on a GPU, register blocks
 * (`registers`) on a CPU adapter, where workgroup memory is as slow as a buffer (DESIGN.md §6);
 * `ARCHC_MATMUL=shared|registers` overrides the choice.
 */
import type { GpuDevice } from "../device/acquire.js";
import type { MatmulStrategy, WgslTarget } from "../schedule.js";
import { probedLoads, probeLoads } from "./probe.js";

/** `ARCHC_TEXTURES` as a boolean, or undefined when unset. */
export function texturesFromEnv(): boolean | undefined {
  const v = typeof process === "undefined" ? undefined : process.env.ARCHC_TEXTURES;
  if (v === undefined || v === "") return undefined;
  if (v === "0" || v === "1") return v === "1";
  throw new Error(`ARCHC_TEXTURES='${v}' is not 0 or 1`);
}

/** `ARCHC_MATMUL` as a matmul strategy, or undefined when unset. */
export function matmulFromEnv(): MatmulStrategy | undefined {
  const v = typeof process === "undefined" ? undefined : process.env.ARCHC_MATMUL;
  if (v === undefined || v === "") return undefined;
  if (v === "shared" || v === "registers") return v;
  throw new Error(`ARCHC_MATMUL='${v}' is not shared or registers`);
}

/**
 * Software rasterizers that WebGPU can run on, by the names their adapters report: Mesa's
 * llvmpipe, lavapipe and softpipe, Google's SwiftShader (Chrome's fallback adapter, and a
 * Vulkan driver Dawn can load), Microsoft's WARP.
 */
const CPU_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|basic render driver/i;

/**
 * Whether a device runs on the CPU: our llvmpipe (and null) adapters by how they were
 * acquired, any other by the fallback flag or the name its adapter reports.
 */
export function isCpuAdapter(gpu: GpuDevice): boolean {
  if (gpu.kind === "llvmpipe" || gpu.kind === "null") return true;
  const info = gpu.adapter.info as Partial<GPUAdapterInfo> | undefined;
  if (info?.isFallbackAdapter === true) return true;
  return CPU_ADAPTER.test(gpu.description);
}

/**
 * The target, without waiting for a measurement: textures as `ARCHC_TEXTURES` says, else as
 * an earlier `measureTarget` found for this device, else off (buffers work everywhere); the
 * matmul kernel as `ARCHC_MATMUL` says, else by the kind of adapter.
 */
export function targetFor(gpu: GpuDevice): WgslTarget {
  const l = gpu.device.limits;
  return {
    maxWorkgroupSize: l.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffers: l.maxStorageBuffersPerShaderStage,
    maxWorkgroupStorage: l.maxComputeWorkgroupStorageSize,
    maxTextureSize: l.maxTextureDimension2D,
    textures: texturesFromEnv() ?? probedLoads(gpu)?.textures ?? false,
    matmul: matmulFromEnv() ?? (isCpuAdapter(gpu) ? "registers" : "shared"),
  };
}

/**
 * The target with `textures` decided by measuring this device (cached per device); `matmul`
 * is chosen as in `targetFor`, by the kind of adapter (a real GPU cannot be measured where
 * this is developed, so the choice is not a measurement).
 */
export async function measureTarget(gpu: GpuDevice): Promise<WgslTarget> {
  const forced = texturesFromEnv();
  const textures = forced ?? (await probeLoads(gpu)).textures;
  return { ...targetFor(gpu), textures };
}
