import { describe, expect, it } from "vitest";
import { Dim, DimOverflowError } from "../../compiler/shapes/dim.js";

const c = Dim.const;
const B = Dim.sym("B");
const T = Dim.sym("T");
const d = Dim.sym("d");
const heads = Dim.sym("heads");

describe("Dim", () => {
  it("folds constants and keeps a canonical form", () => {
    expect(c(3).mul(c(4)).add(c(1)).value).toBe(13);
    expect(B.mul(T).equals(T.mul(B))).toBe(true);
    expect(B.add(T).sub(B).equals(T)).toBe(true);
    expect(T.mul(c(2)).add(T).toString()).toBe("3*T");
    expect(B.mul(T).mul(c(768)).toString()).toBe("768*B*T");
    expect(T.sub(T).value).toBe(0);
  });

  it("divides exactly, and refuses inexact constant divisions", () => {
    expect(c(768).div(c(12))!.value).toBe(64);
    expect(c(10).div(c(4))).toBeUndefined();
    expect(T.mul(c(4)).div(c(2))!.toString()).toBe("2*T");
    expect(B.mul(T).div(T)!.equals(B)).toBe(true);
    expect(d.div(heads)!.toString()).toBe("d/heads");
  });

  it("cancels a division by the divisor: heads * (d / heads) == d", () => {
    const hd = d.div(heads)!;
    expect(heads.mul(hd).equals(d)).toBe(true);
    expect(B.mul(T).mul(heads).mul(hd).equals(B.mul(T).mul(d))).toBe(true);
    expect(
      heads
        .mul(c(2))
        .mul(d.add(c(1)).div(heads)!)
        .equals(d.mul(c(2)).add(c(2))),
    ).toBe(true);
  });

  it("keeps floor division, remainder, minimum and maximum symbolic until known", () => {
    expect(c(7).floorDiv(c(2))!.value).toBe(3);
    expect(c(7).ceilDiv(c(2))!.value).toBe(4);
    expect(c(-7).mod(c(3))!.value).toBe(2);
    const half = T.floorDiv(c(2))!.add(c(1));
    expect(half.toString()).toBe("floor_div(T, 2) + 1");
    expect(half.evaluate((s) => (s.name === "T" ? 16 : undefined))).toBe(9);
    expect(half.evaluate(() => undefined)).toBeUndefined();
  });

  it("substitutes symbols by identity, not by name", () => {
    const T1 = Dim.sym("T", "T#1");
    const T2 = Dim.sym("T", "T#2");
    expect(T1.equals(T2)).toBe(false);
    const bound = T1.mul(c(3)).subst((s) => (s.id === "T#1" ? T2 : undefined));
    expect(bound.equals(T2.mul(c(3)))).toBe(true);
    expect(
      d.div(heads)!.subst((s) => (s.name === "d" ? c(768) : s.name === "heads" ? c(12) : undefined))
        .value,
    ).toBe(64);
  });

  it("refuses results beyond 2^53", () => {
    expect(() => c(2 ** 30).mul(c(2 ** 30))).toThrow(DimOverflowError);
    expect(() => c(2 ** 53)).toThrow(DimOverflowError);
  });
});
