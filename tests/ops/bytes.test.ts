/** Memory traffic of one primitive run as its own kernel (compiler/ops/table.ts, "Bytes"). */
import { describe, expect, it } from "vitest";
import { bool, dims, f32, flt, i32, index, int, kw, ok, str, sz, type A } from "./helpers.js";

const bytes = (name: string, ...args: A[]) => ok(name, ...args).bytes?.toString();

describe("bytes per call", () => {
  it("streams: reads every tensor argument once and writes every output once", () => {
    // A symbolic count: 4·B·T·768 read, 4·768 read (the broadcast operand, once), 4·B·T·768 written.
    expect(bytes("add", f32("B", "T", 768), f32(768))).toBe("6144*B*T + 3072");
    expect(ok("add", f32(10, 768), f32(768)).bytes!.value).toBe(4 * (2 * 10 * 768 + 768));
    // A number literal is baked into the kernel.
    expect(ok("mul", f32(10, 768), flt(0.5)).bytes!.value).toBe(4 * 2 * 10 * 768);
    // bool is one byte per element; i32 four.
    expect(ok("where", bool(8), f32(8), f32(8)).bytes!.value).toBe(8 + 4 * 8 * 3);
    expect(ok("matmul", f32(32, 64), f32(64, 16)).bytes!.value).toBe(
      4 * (32 * 64 + 64 * 16 + 32 * 16),
    );
    expect(ok("sum", f32(6, 7), int(-1)).bytes!.value).toBe(4 * (42 + 6));
    // Tuples of tensors (concat) and tuple outputs (split) count every member.
    expect(
      ok("concat", { kind: "tuple", items: [f32(2, 3), f32(4, 3)] }, int(0)).bytes!.value,
    ).toBe(4 * 2 * (6 + 12));
    expect(ok("split", f32(6, 4), int(2), kw("axis", int(0))).bytes!.value).toBe(4 * 2 * 24);
    expect(ok("arange", sz(5)).bytes!.value).toBe(4 * 5);
  });

  it("views move nothing", () => {
    expect(bytes("reshape", f32("B", 6), dims("B", 2, 3))).toBe("0");
    expect(bytes("expand", f32(1, 6), dims(4, 6))).toBe("0");
    expect(bytes("rearrange", f32("B", 6), str("b (h e) -> b h e"), kw("h", sz(2)))).toBe("0");
    // A rearrange that permutes is a copy.
    expect(ok("rearrange", f32(4, 6), str("b (h e) -> h b e"), kw("h", sz(2))).bytes!.value).toBe(
      4 * 2 * 24,
    );
  });

  it("gathers read only what they write, plus the ids", () => {
    // take: a [50257, 768] table, 16 ids → 16 rows read and written, ids read.
    expect(ok("take", f32(50257, 768), i32(16)).bytes!.value).toBe(2 * 4 * 16 * 768 + 4 * 16);
    expect(ok("take_along", f32(8, 100), i32(8, 3), int(1)).bytes!.value).toBe(2 * 4 * 24 + 4 * 24);
    expect(
      ok(
        "slice",
        f32(100, 8),
        index({ kind: "slice", start: undefined, stop: undefined, step: 10 }),
      ).bytes!.value,
    ).toBe(2 * 4 * 10 * 8);
  });
});
