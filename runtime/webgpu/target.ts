/**
 * The code generator's target for a device: its actual limits, and how it likes its operands.
 * Whether matmul operands go through textures is measured per device (probe.ts);
 * `ARCHC_TEXTURES=0|1` overrides the measurement.
 */
import type { GpuDevice } from "../device/acquire.js";
import type { WgslTarget } from "../schedule.js";
import { probedLoads, probeLoads } from "./probe.js";

/** `ARCHC_TEXTURES` as a boolean, or undefined when unset. */
export function texturesFromEnv(): boolean | undefined {
  const v = typeof process === "undefined" ? undefined : process.env.ARCHC_TEXTURES;
  if (v === undefined || v === "") return undefined;
  if (v === "0" || v === "1") return v === "1";
  throw new Error(`ARCHC_TEXTURES='${v}' is not 0 or 1`);
}

/**
 * The target, without waiting for a measurement: textures as `ARCHC_TEXTURES` says, else as
 * an earlier `measureTarget` found for this device, else off (buffers work everywhere).
 */
export function targetFor(gpu: GpuDevice): WgslTarget {
  const l = gpu.device.limits;
  return {
    maxWorkgroupSize: l.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffers: l.maxStorageBuffersPerShaderStage,
    maxWorkgroupStorage: l.maxComputeWorkgroupStorageSize,
    maxTextureSize: l.maxTextureDimension2D,
    textures: texturesFromEnv() ?? probedLoads(gpu)?.textures ?? false,
  };
}

/** The target with `textures` decided by measuring this device (cached per device). */
export async function measureTarget(gpu: GpuDevice): Promise<WgslTarget> {
  const forced = texturesFromEnv();
  const textures = forced ?? (await probeLoads(gpu)).textures;
  return { ...targetFor(gpu), textures };
}
