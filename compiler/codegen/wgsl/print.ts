/**
 * A compiled schedule as text, for `archc build --emit schedule` (the kernel list) and
 * `--emit wgsl` (every distinct kernel's source). Stable for a given source and target.
 */
import { formatDimExpr, formatProvenance } from "../../../runtime/graph.js";
import type { Provenance } from "../../../runtime/graph.js";
import type { Schedule } from "../../../runtime/schedule.js";

const where = (s: Provenance | undefined) => formatProvenance(s);

/**
 * One line per dispatch: index, kernel, op, workgroups, bound values, source span; a fused
 * kernel's line is followed by one line per op it computes, with its span.
 */
export function printSchedule(s: Schedule): string {
  const lines = [
    `schedule ${s.model}: ${s.dispatches.length} dispatches of ${s.kernels.length} kernels` +
      (s.dims.length ? `; runtime dims ${s.dims.join(", ")}` : ""),
  ];
  const width = Math.max(0, ...s.dispatches.map((d) => s.kernels[d.kernel]!.name.length));
  s.dispatches.forEach((d, i) => {
    const k = s.kernels[d.kernel]!;
    const binds = d.bindings.map((v, j) => `${k.bindings[j] === "read" ? "" : "→"}%${v}`);
    lines.push(
      `  ${String(i).padStart(4)}  ${k.name.padEnd(width)}  ${d.op.padEnd(10)} ` +
        `×${formatDimExpr(d.workgroups)}  (${binds.join(", ")})  # ${where(d.source)}`,
    );
    for (const f of d.fused ?? [])
      lines.push(`          fuses ${f.op.padEnd(10)} # ${where(f.source)}`);
  });
  return lines.join("\n") + "\n";
}

/** Every distinct kernel's WGSL, in first-use order. */
export function printKernels(s: Schedule): string {
  return s.kernels.map((k) => k.wgsl.trimEnd()).join("\n\n") + "\n";
}
