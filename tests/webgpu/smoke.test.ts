import { describe, expect, it } from "vitest";
import { EXACT, expectOpMatches, gpu, random, symbolic } from "./harness.js";

describe("webgpu smoke", () => {
  it("gets an adapter", async () => {
    const g = await gpu();
    expect(g.description).toMatch(/llvmpipe|gpu/);
  });
  it("adds with broadcasting and runtime dims", async () => {
    const a = random("f32", [3, 5, 7], 1);
    const b = random("f32", [5, 1], 2);
    await expectOpMatches(
      {
        op: "add",
        inputs: [a, b],
        inputTypes: [symbolic(a, ["B", "T"]), symbolic(b, ["T"])],
        outputs: [{ dtype: "f32", shape: ["B", "T", 7] }],
      },
      EXACT,
    );
  });
});
