/**
 * The op table driven the way the stdlib's forwards use it, with symbolic hyperparameters:
 * each step feeds the previous output types to the next op, as the checker will.
 */
import { describe, expect, it } from "vitest";
import { Dim } from "../../compiler/shapes/dim.js";
import {
  formatType,
  type ArgValue,
  type IndexElem,
  type TensorType,
} from "../../compiler/ops/index.js";
import { B, T, bol, call, dims, f32, flt, i32, int, kw, str, sz, type D } from "./helpers.js";

const d = Dim.sym("d");
const heads = Dim.sym("heads");

type A = ArgValue | { name?: string; value: ArgValue };
const arg = (type: TensorType): ArgValue => ({ kind: "tensor", type });

function one(name: string, ...args: A[]): TensorType {
  const r = call(name, args);
  if (!r.ok) throw new Error(r.error.message);
  if (Array.isArray(r.out)) throw new Error(`${name} returned a tuple`);
  return r.out;
}

function many(name: string, ...args: A[]): TensorType[] {
  const r = call(name, args);
  if (!r.ok) throw new Error(r.error.message);
  if (!Array.isArray(r.out)) throw new Error(`${name} returned one tensor`);
  return r.out;
}

describe("the stdlib's forwards, symbolically", () => {
  it("MultiHeadAttention(d, heads)", () => {
    const x = f32(B, T, d);
    const weight = f32(d.mul(Dim.const(3)), d);
    const qkv = one("@", x, arg(one("transpose", weight, int(0), int(1))));
    expect(formatType(qkv)).toBe("f32[B, T, 3*d]");
    const [q, k, v] = many("split", arg(qkv), int(3), kw("axis", int(-1)));
    const toHeads = (t: TensorType) =>
      one("rearrange", arg(t), str("b t (h e) -> b h t e"), kw("h", sz(heads)));
    const [qh, kh, vh] = [q!, k!, v!].map(toHeads) as [TensorType, TensorType, TensorType];
    expect(formatType(qh)).toBe("f32[B, heads, T, d/heads]");
    const hd = d.div(heads)!;
    const scale = one("/", flt(1), arg(one("sqrt", arg({ dtype: "f32", shape: [] }))));
    const scores = one(
      "*",
      arg(one("@", arg(qh), arg(one("transpose", arg(kh), int(-1), int(-2))))),
      arg(scale),
    );
    expect(formatType(scores)).toBe("f32[B, heads, T, T]");
    const i = one("arange", sz(T));
    const visible = one(
      ">=",
      arg(one("reshape", arg(i), dims(T, 1))),
      arg(one("reshape", arg(i), dims(1, T))),
    );
    expect(formatType(visible)).toBe("bool[T, T]");
    const masked = one("where", arg(visible), arg(scores), flt(-Infinity));
    // softmax
    const m = one("max", arg(masked), int(-1), kw("keepdim", bol(true)));
    const e = one(
      "exp",
      arg(
        one(
          "-",
          arg(masked),
          arg(one("where", arg(one("==", arg(m), flt(-Infinity))), flt(0), arg(m))),
        ),
      ),
    );
    const s = one("sum", arg(e), int(-1), kw("keepdim", bol(true)));
    const p = one("/", arg(e), arg(s));
    const ctx = one("@", arg(p), arg(vh));
    expect(formatType(ctx)).toBe("f32[B, heads, T, d/heads]");
    const y = one("rearrange", arg(ctx), str("b h t e -> b t (h e)"));
    expect(formatType(y)).toBe("f32[B, T, d]");
    expect(hd.mul(heads).equals(d)).toBe(true);
  });

  it("LayerNorm and GroupNorm1", () => {
    const x = f32(B, T, d);
    const xc = one("-", x, arg(one("mean", x, int(-1), kw("keepdim", bol(true)))));
    const v = one("mean", arg(one("*", arg(xc), arg(xc))), int(-1), kw("keepdim", bol(true)));
    const y = one(
      "+",
      arg(
        one(
          "*",
          arg(one("*", arg(xc), arg(one("rsqrt", arg(one("+", arg(v), flt(1e-5))))))),
          f32(d),
        ),
      ),
      f32(d),
    );
    expect(formatType(y)).toBe("f32[B, T, d]");
    const img = f32(B, "H", "W", "c");
    const mu = one("mean", img, { kind: "tuple", items: [int(1), int(2), int(3)] }, bol(true));
    expect(formatType(mu)).toBe("f32[B, 1, 1, 1]");
  });

  it("Embedding and the tied head", () => {
    const h = one("take", f32("vocab", d), i32(B, T), kw("axis", int(0)));
    const pos = one("take", f32("ctx", d), arg(one("arange", sz(T))));
    const x = one("+", arg(h), arg(pos));
    const logits = one("@", arg(x), arg(one("transpose", f32("vocab", d), int(0), int(1))));
    expect(formatType(logits)).toBe("f32[B, T, vocab]");
  });

  it("rope (half layout), with hd symbolic", () => {
    const hd = Dim.sym("hd");
    const half = hd.div(Dim.const(2))!;
    const x = f32(B, heads, T, hd);
    const invFreq = one(
      "exp",
      arg(
        one(
          "*",
          arg(one("cast", arg(one("arange", sz(half))), { kind: "dtype", value: "f32" })),
          flt(-0.1),
        ),
      ),
    );
    const angle = one(
      "*",
      arg(one("reshape", arg(one("cast", i32(T), { kind: "dtype", value: "f32" })), dims(T, 1))),
      arg(one("reshape", arg(invFreq), dims(1, half))),
    );
    expect(formatType(angle)).toBe("f32[T, hd/2]");
    const E: IndexElem = { kind: "ellipsis" };
    const slice = (start?: D, stop?: D): ArgValue => {
      const e: IndexElem = { kind: "slice" };
      if (start !== undefined)
        e.start = typeof start === "number" ? Dim.const(start) : (start as Dim);
      if (stop !== undefined) e.stop = typeof stop === "number" ? Dim.const(stop) : (stop as Dim);
      return { kind: "index", elems: [E, e] };
    };
    const x1 = one("slice", x, slice(0, half));
    const x2 = one("slice", x, slice(half));
    const c = one("cos", arg(angle));
    const r1 = one("-", arg(one("*", arg(x1), arg(c))), arg(one("*", arg(x2), arg(c))));
    expect(formatType(r1)).toBe("f32[B, heads, T, hd/2]");
    const out = one("concat", { kind: "tuple", items: [arg(r1), arg(r1)] }, int(-1));
    // hd/2 + hd/2 is 2*(hd/2), which the dim algebra folds back to hd
    expect(formatType(out)).toBe("f32[B, heads, T, hd]");
    const pairs = one(
      "concat",
      {
        kind: "tuple",
        items: [
          arg(one("rearrange", arg(r1), str("... i -> ... i 1"))),
          arg(one("rearrange", arg(r1), str("... i -> ... i 1"))),
        ],
      },
      int(-1),
    );
    expect(formatType(pairs)).toBe("f32[B, heads, T, hd/2, 2]");
    expect(formatType(one("rearrange", arg(pairs), str("... i two -> ... (i two)")))).toBe(
      "f32[B, heads, T, hd]",
    );
  });

  it("rope (interleaved layout) needs the checker to know that hd is even", () => {
    const hd = Dim.sym("hd");
    const half = hd.div(Dim.const(2))!;
    const step2 = (start: number): ArgValue => ({
      kind: "index",
      elems: [{ kind: "ellipsis" }, { kind: "slice", start: Dim.const(start), step: 2 }],
    });
    const x = f32(B, T, hd);
    const x1 = one("slice", x, step2(0));
    const x2 = one("slice", x, step2(1));
    expect(formatType(x1)).toBe("f32[B, T, ceil_div(hd, 2)]");
    expect(formatType(x2)).toBe("f32[B, T, ceil_div(hd - 1, 2)]");
    const angle = f32(T, half);
    const r = call("*", [arg(x1), angle]);
    expect(r.ok).toBe(false);
    // with `requires hd % 2 == 0`, the checker's equality equates the three
    const even = [x1.shape[2]!, x2.shape[2]!, half];
    const eq = {
      equal: (a: Dim, b: Dim) =>
        a.equals(b) || (even.some((e) => e.equals(a)) && even.some((e) => e.equals(b))),
    };
    const ok1 = call("*", [arg(x1), angle], eq);
    const ok2 = call("*", [arg(x2), angle], eq);
    expect(ok1.ok && ok2.ok).toBe(true);
  });
});
