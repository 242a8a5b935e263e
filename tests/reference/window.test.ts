import { describe, expect, it } from "vitest";
import { expectClose, f32, run, ty, vals } from "./helpers.js";

// One 3×3 image, one channel: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] as [B, H, W, C] = [1, 3, 3, 1].
const img = f32([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
// Sums of each in-bounds 3×3 neighbourhood of img (zero padding 1):
//   (0,0): 1+2+4+5 = 12    (0,1): 1+2+3+4+5+6 = 21    (0,2): 2+3+5+6 = 16
//   (1,0): 1+2+4+5+7+8 = 27 (1,1): 45                (1,2): 2+3+5+6+8+9 = 33
//   (2,0): 4+5+7+8 = 24    (2,1): 4+5+6+7+8+9 = 39    (2,2): 5+6+8+9 = 28
const sums = [12, 21, 16, 27, 45, 33, 24, 39, 28];
// The number of in-bounds positions of each window.
const counts = [4, 6, 4, 6, 9, 6, 4, 6, 4];

describe("avg_pool2d", () => {
  const pool = (x: typeof img, k: number, stride: number, pad: number, inc: boolean, oh: number) =>
    run(
      "avg_pool2d",
      [x],
      { k, stride, pad, countIncludePad: inc },
      ty("f32", 1, oh, oh, x.shape[3]!),
    );

  it("k 3, stride 1, pad 1: border windows divide by their valid positions", () => {
    // PyTorch: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
    expectClose(
      pool(img, 3, 1, 1, false, 3),
      sums.map((s, i) => s / counts[i]!),
    );
    expect(vals(pool(img, 3, 1, 1, false, 3))).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
  });

  it("with countIncludePad the padding counts (divisor k²)", () => {
    // PyTorch: F.avg_pool2d(x, 3, 1, 1, count_include_pad=True)
    expectClose(
      pool(img, 3, 1, 1, true, 3),
      sums.map((s) => s / 9),
    );
  });

  it("k 2, stride 2, pad 1", () => {
    // Output floor((3 + 2 - 2) / 2) + 1 = 2; windows cover rows/cols {-1, 0} and {1, 2}.
    // (0,0): {1} → 1 (1 valid); (0,1): {2, 3} → 5 (2 valid);
    // (1,0): {4, 7} → 11 (2 valid); (1,1): {5, 6, 8, 9} → 28 (4 valid).
    expect(vals(pool(img, 2, 2, 1, false, 2))).toEqual([1, 2.5, 5.5, 7]);
    expect(vals(pool(img, 2, 2, 1, true, 2))).toEqual([0.25, 1.25, 2.75, 7]);
  });

  it("no padding, two channels, batch 2", () => {
    // 2×2 image per batch entry, channels interleaved: channel 1 = 10 × channel 0.
    const x = f32([2, 2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40, 0, 0, 0, 0, 0, 0, 8, 80]);
    const out = run(
      "avg_pool2d",
      [x],
      { k: 2, stride: 1, pad: 0, countIncludePad: false },
      ty("f32", 2, 1, 1, 2),
    );
    expect(vals(out)).toEqual([2.5, 25, 2, 20]);
  });

  it("checks the output shape", () => {
    expect(() => pool(img, 3, 1, 0, false, 3)).toThrow(/output type says/);
  });
});

describe("conv2d_depthwise", () => {
  it("zero padding: a ones kernel sums the neighbourhood", () => {
    const w = f32([1, 3, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const out = run("conv2d_depthwise", [img, w], { pad: 1 }, ty("f32", 1, 3, 3, 1));
    expect(vals(out)).toEqual(sums);
  });

  it("is a cross-correlation (the kernel is not flipped)", () => {
    // w = [[1, 10]] (kh 1, kw 2), no padding: out[i, j] = x[i, j] + 10·x[i, j + 1].
    const w = f32([1, 1, 2], [1, 10]);
    const out = run("conv2d_depthwise", [img, w], { pad: 0 }, ty("f32", 1, 3, 2, 1));
    expect(vals(out)).toEqual([21, 32, 54, 65, 87, 98]);
  });

  it("one filter per channel", () => {
    // 2×2 image, 2 channels; channel 0 filter picks the top-left of a 2×2 window, channel 1
    // the bottom-right; pad 1 gives a 3×3 output.
    const x = f32([1, 2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40]);
    const w = f32([2, 2, 2], [1, 0, 0, 0, 0, 0, 0, 1]);
    const out = run("conv2d_depthwise", [x, w], { pad: 1 }, ty("f32", 1, 3, 3, 2));
    // Channel 0: out[i, j] = x[i-1, j-1]; channel 1: out[i, j] = x[i, j].
    expect(vals(out)).toEqual([0, 10, 0, 20, 0, 0, 0, 30, 1, 40, 2, 0, 0, 0, 3, 0, 4, 0]);
  });

  it("refuses a filter of the wrong channel count", () => {
    expect(() =>
      run("conv2d_depthwise", [img, f32([2, 3, 3])], { pad: 1 }, ty("f32", 1, 3, 3, 1)),
    ).toThrow(/w must be \[1, kh, kw\]/);
  });
});
