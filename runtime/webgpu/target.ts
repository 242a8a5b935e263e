/** The code generator's target for a device: its actual limits, and how it likes its operands. */
import type { GpuDevice } from "../device/acquire.js";
import type { WgslTarget } from "../schedule.js";

export function targetFor(gpu: GpuDevice): WgslTarget {
  const l = gpu.device.limits;
  return {
    maxWorkgroupSize: l.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffers: l.maxStorageBuffersPerShaderStage,
    maxWorkgroupStorage: l.maxComputeWorkgroupStorageSize,
    maxTextureSize: l.maxTextureDimension2D,
    textures: false,
  };
}
