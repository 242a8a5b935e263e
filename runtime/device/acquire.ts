/**
 * Getting a WebGPU device. In a browser: `navigator.gpu`. In Node: the `webgpu` package (Dawn),
 * a real GPU first (Vulkan), else Mesa llvmpipe through Dawn's OpenGL ES backend in WebGPU
 * compatibility mode, the only adapter a GPU-less Linux machine offers (DESIGN.md §6).
 *
 * Two facts of Dawn for Node shape this module:
 * - the object `create()` returns must stay reachable while any device made from it is used;
 *   if it is collected, the next queue wait crashes the process. `GpuDevice` holds it.
 * - the OpenGL ES backend needs `EGL_PLATFORM=surfaceless` in the environment before Dawn
 *   loads (set here; in a worker thread it must be set before Node starts).
 *
 * Node's modules (`node:fs`, `node:path`, `webgpu`) are imported only on the Node path, lazily,
 * so that the module bundles for a browser as it is.
 */

/** Which adapter to use: `auto` tries a GPU, then llvmpipe. `null` validates WGSL only. */
export type AdapterChoice = "auto" | "gpu" | "llvmpipe" | "null";
export const ADAPTER_CHOICES: readonly AdapterChoice[] = ["auto", "gpu", "llvmpipe", "null"];

/** What kind of adapter was found. */
export type AdapterKind = "gpu" | "llvmpipe" | "null" | "browser";

export class DeviceError extends Error {
  override name = "DeviceError";
}

/** A device with everything that must live as long as it does. */
export interface GpuDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  kind: AdapterKind;
  /** One line: vendor, architecture, driver (`llvmpipe (LLVM 15.0.6, 256 bits), OpenGL ES 3.2`). */
  description: string;
  /** Set once the device is lost; every later use fails with it. */
  lost?: string;
  /** Uncaptured errors (validation, out of memory) since the last `takeErrors`. */
  errors: string[];
  /** Destroys the device; the Dawn instance is released with this object. */
  dispose(): void;
}

/** The adapter choice from the environment (`ARCHC_ADAPTER`), else `auto`. */
export function adapterFromEnv(): AdapterChoice {
  const v = process.env.ARCHC_ADAPTER;
  if (v === undefined || v === "") return "auto";
  if ((ADAPTER_CHOICES as readonly string[]).includes(v)) return v as AdapterChoice;
  throw new DeviceError(`ARCHC_ADAPTER='${v}' is not one of ${ADAPTER_CHOICES.join(", ")}`);
}

interface DawnModule {
  create(options: string[]): GPU;
}

/** Instances in use: a module-level root, so nothing collects them while their devices live. */
const liveInstances = new Set<GPU>();

/**
 * A device on the chosen adapter, with the adapter's own limits requested (a device created
 * without them gets WebGPU's defaults: 8 storage buffers per stage, 128 MiB bindings).
 */
export async function acquireDevice(choice?: AdapterChoice): Promise<GpuDevice> {
  if (typeof process === "undefined") {
    // A browser (or a worker): WebGPU is navigator.gpu; `choice` does not apply.
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu)
      throw new DeviceError(
        "this browser does not offer WebGPU (navigator.gpu is undefined): use a browser with " +
          "WebGPU enabled, over https or on localhost",
      );
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) throw new DeviceError("this browser offers no WebGPU adapter");
    return open(gpu, adapter, "browser");
  }
  choice ??= adapterFromEnv();
  process.env.EGL_PLATFORM ??= "surfaceless";
  const dawn = (await import("webgpu")) as unknown as DawnModule;
  const tried: string[] = [];
  if (choice === "null") {
    const gpu = dawn.create(["backend=null"]);
    const adapter = await gpu.requestAdapter();
    if (adapter) return open(gpu, adapter, "null");
    tried.push("Dawn's null backend: no adapter");
  }
  if (choice === "auto" || choice === "gpu") {
    // Without a Vulkan loader Dawn only prints a warning and finds nothing: skip the noise.
    if (await hasVulkanLoader()) {
      const gpu = dawn.create([]);
      const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
      if (adapter) return open(gpu, adapter, "gpu");
      tried.push("a GPU through Vulkan: no adapter");
    } else tried.push("a GPU through Vulkan: no Vulkan loader (libvulkan.so.1) on this machine");
  }
  if (choice === "auto" || choice === "llvmpipe") {
    const gpu = dawn.create(["backend=opengles"]);
    const adapter = await gpu.requestAdapter({ featureLevel: "compatibility" });
    if (adapter) return open(gpu, adapter, "llvmpipe");
    tried.push("Mesa llvmpipe through OpenGL ES (compatibility mode): no adapter");
  }
  throw new DeviceError(
    `no WebGPU adapter (ARCHC_ADAPTER=${choice}). Tried:\n` +
      tried.map((t) => `  - ${t}`).join("\n") +
      "\nOn Debian/Ubuntu the llvmpipe fallback needs: apt-get install libegl1 libgles2 " +
      "libegl-mesa0 libgl1-mesa-dri (.ci/run installs them).",
  );
}

async function hasVulkanLoader(): Promise<boolean> {
  const { existsSync } = await import("node:fs");
  const { delimiter, join } = await import("node:path");
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? "").split(delimiter).filter(Boolean),
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/lib/x86_64-linux-gnu",
    "/usr/local/lib",
  ];
  return process.platform !== "linux" || dirs.some((d) => existsSync(join(d, "libvulkan.so.1")));
}

async function open(gpu: GPU, adapter: GPUAdapter, kind: AdapterKind): Promise<GpuDevice> {
  const requiredLimits: Record<string, number> = {};
  // Every limit the adapter reports, as it reports it (a `max` is at most, and a `min` at
  // least, the adapter's own value, so asking for exactly that is always valid).
  for (const key in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof v === "number") requiredLimits[key] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new DeviceError(`the adapter refused a device: ${(e as Error).message}`);
  }
  liveInstances.add(gpu);
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (s) => typeof s === "string" && s !== "",
  );
  const handle: GpuDevice = {
    device,
    adapter,
    kind,
    description: `${kind}: ${parts.join(", ") || "unnamed adapter"}`,
    errors: [],
    dispose() {
      device.destroy();
      liveInstances.delete(gpu);
    },
  };
  void device.lost.then((info) => {
    handle.lost =
      info.reason === "destroyed"
        ? "the GPU device was released (dispose() was called); acquire a new one"
        : `the GPU device was lost: ${info.message || info.reason}`;
  });
  device.onuncapturederror = (e) => {
    handle.errors.push(e.error.message);
  };
  return handle;
}
