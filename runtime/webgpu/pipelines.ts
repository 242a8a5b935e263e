/**
 * Compute pipelines, compiled once per device and WGSL source (a new kernel's first compile
 * costs tens of milliseconds on llvmpipe), in parallel. A kernel that fails to compile is a
 * compiler bug: the error names the kernel, the WGSL line and the `.arch` span it came from.
 */
import type { BindingKind, ScheduleKernel } from "../schedule.js";
import { ShaderStage } from "./gpu-constants.js";

export class KernelCompileError extends Error {}

export interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const caches = new WeakMap<GPUDevice, Map<string, Promise<CompiledKernel>>>();

function layoutEntry(kind: BindingKind, binding: number): GPUBindGroupLayoutEntry {
  const visibility = ShaderStage.COMPUTE;
  switch (kind) {
    case "read":
      return { binding, visibility, buffer: { type: "read-only-storage" } };
    case "write":
      return { binding, visibility, buffer: { type: "storage" } };
    case "texture":
      return { binding, visibility, texture: { sampleType: "unfilterable-float" } };
    case "texture-write":
      return {
        binding,
        visibility,
        storageTexture: { access: "write-only", format: "rgba32float" },
      };
  }
}

/**
 * The pipeline of a kernel, from the device's cache or compiled now. `where` says where the
 * kernel came from (the `.arch` span of its first use), for the error message.
 */
export function compileKernel(
  device: GPUDevice,
  kernel: ScheduleKernel,
  where: string,
): Promise<CompiledKernel> {
  let cache = caches.get(device);
  if (!cache) {
    cache = new Map();
    caches.set(device, cache);
  }
  const key = `${kernel.bindings.join(",")}\n${kernel.wgsl}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = build(device, kernel, where);
    cache.set(key, compiled);
    // A failed compile is not cached: the next attempt reports it again.
    compiled.catch(() => cache.delete(key));
  }
  return compiled;
}

async function build(
  device: GPUDevice,
  kernel: ScheduleKernel,
  where: string,
): Promise<CompiledKernel> {
  // Shader errors are read from getCompilationInfo; the scope only keeps them from also being
  // reported as uncaptured errors of the device (which would fail the next, unrelated run).
  // Compiles run in parallel but push and pop are adjacent synchronous calls, so scopes nest.
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code: kernel.wgsl, label: kernel.name });
  const scope = device.popErrorScope();
  const info = await module.getCompilationInfo();
  await scope;
  const errors = info.messages.filter((m) => m.type === "error");
  if (errors.length > 0) {
    const lines = kernel.wgsl.split("\n");
    const text = errors
      .map((m) => {
        const src = lines[m.lineNum - 1] ?? "";
        return `  line ${m.lineNum}:${m.linePos}: ${m.message}\n    ${src.trim()}`;
      })
      .join("\n");
    throw new KernelCompileError(
      `kernel ${kernel.name} (from ${where}) does not compile. This is a bug in archc's code ` +
        `generator; please report it with the .arch file.\n${text}`,
    );
  }
  const layout = device.createBindGroupLayout({
    label: kernel.name,
    entries: [
      { binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: "uniform" } },
      ...kernel.bindings.map((k, i) => layoutEntry(k, i + 1)),
    ],
  });
  let pipeline: GPUComputePipeline;
  try {
    pipeline = await device.createComputePipelineAsync({
      label: kernel.name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: "main" },
    });
  } catch (e) {
    throw new KernelCompileError(
      `kernel ${kernel.name} (from ${where}) could not be built into a pipeline: ${(e as Error).message}`,
    );
  }
  return { pipeline, layout };
}
