/**
 * `archc/runtime`: what a generated model class (`archc build --target ts`, spec/codegen-ts.md)
 * imports, and all it imports. Only runtime modules: nothing from the compiler.
 */
export {
  acquireDevice,
  DeviceError,
  type AdapterChoice,
  type AdapterKind,
  type GpuDevice,
} from "./device/acquire.js";
export { WebGPUExecutor, RunError, type RunTimings } from "./webgpu/executor.js";
export { targetFor } from "./webgpu/target.js";
export type {
  BindingKind,
  Dispatch,
  FusedOp,
  Schedule,
  ScheduleKernel,
  ScheduleParam,
  ScheduleValue,
  TextureLayout,
  WgslTarget,
} from "./schedule.js";
export { DEFAULT_TARGET } from "./schedule.js";
export type { DimExpr, DType, GraphCheck, GraphInput, GraphOutput, TensorSpec } from "./graph.js";
export { tensor, type Tensor, type TensorData } from "./reference/tensor.js";
export {
  readSafetensors,
  writeSafetensors,
  WeightsError,
  type SafetensorsContents,
} from "./weights/safetensors.js";
export { checkTensors, type ExpectedTensor } from "./weights/validate.js";
export { checkedWeights, type WeightArray, type WeightsMap } from "./weights/checked.js";
