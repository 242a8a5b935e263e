/**
 * Dim expressions: the sizes in a shape. A dim is a polynomial with integer coefficients over
 * symbols (runtime dims such as B and T, and hyperparameters that have no value yet) and opaque
 * factors for what a polynomial cannot express (`floor_div(T, 2)`, an exact division by a symbol).
 * Polynomials are kept in a canonical form, so two dims are equal exactly when their keys are.
 *
 * Every arithmetic result is checked against 2^53: a dim that overflows is an error, not a
 * silently rounded float.
 */

export interface Sym {
  kind: "sym";
  /** The name shown to users (`T`). */
  name: string;
  /** Unique identity: two runtime dims named T from unrelated inputs are different symbols. */
  id: string;
}

export type OpaqueOp = "div" | "floor_div" | "ceil_div" | "mod" | "maximum" | "minimum";

export interface Opaque {
  kind: "op";
  op: OpaqueOp;
  args: [Dim, Dim];
}

export type Factor = Sym | Opaque;

interface Term {
  coeff: number;
  /** Sorted by key; a repeated factor is a power. */
  factors: Factor[];
}

export class DimOverflowError extends Error {
  constructor(what: string) {
    super(`a dim overflows 2^53: ${what}`);
  }
}

/** `n`, or an overflow error; `what` describes the operation (computed only on failure). */
function checked(n: number, what: string | (() => string)): number {
  if (!Number.isSafeInteger(n))
    throw new DimOverflowError(typeof what === "string" ? what : what());
  return n === 0 ? 0 : n; // no -0
}

/** Factor keys are computed once per factor object (they are compared and sorted a lot). */
const factorKeys = new WeakMap<Factor, string>();

function factorKey(f: Factor): string {
  let k = factorKeys.get(f);
  if (k === undefined) {
    k = f.kind === "sym" ? `$${f.id}` : `${f.op}(${f.args[0].key},${f.args[1].key})`;
    factorKeys.set(f, k);
  }
  return k;
}

function monomialKey(factors: Factor[]): string {
  return factors.map(factorKey).join("*");
}

export class Dim {
  private cachedKey: string | undefined;

  private constructor(
    /** Monomial key -> term; the constant term has key "". */
    private readonly terms: ReadonlyMap<string, Term>,
  ) {}

  /** Canonical key: equal dims have equal keys (computed on first use). */
  get key(): string {
    if (this.cachedKey === undefined) {
      this.cachedKey = [...this.terms.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, t]) => `${t.coeff}${k ? "*" + k : ""}`)
        .join("+");
    }
    return this.cachedKey;
  }

  // ---------------------------------------------------------------- construction

  private static readonly small: Dim[] = [];

  static const(n: number): Dim {
    checked(n, String(n));
    // Small constants are shared: dims are immutable and these are most of them.
    if (n >= 0 && n < 4096 && Number.isInteger(n)) {
      return (Dim.small[n] ??= Dim.fromTerms([{ coeff: n, factors: [] }]));
    }
    return Dim.fromTerms([{ coeff: n, factors: [] }]);
  }

  static sym(name: string, id = name): Dim {
    return Dim.fromTerms([{ coeff: 1, factors: [{ kind: "sym", name, id }] }]);
  }

  /** An opaque factor `op(a, b)`; used by the arithmetic below when no closed form exists. */
  static opaque(op: OpaqueOp, a: Dim, b: Dim): Dim {
    return Dim.fromTerms([{ coeff: 1, factors: [{ kind: "op", op, args: [a, b] }] }]);
  }

  private static fromTerms(list: Term[]): Dim {
    const terms = new Map<string, Term>();
    for (const t of list) {
      if (t.coeff === 0) continue;
      const factors =
        t.factors.length < 2
          ? t.factors
          : [...t.factors].sort((x, y) => (factorKey(x) < factorKey(y) ? -1 : 1));
      const key = monomialKey(factors);
      const prev = terms.get(key);
      const coeff = checked((prev?.coeff ?? 0) + t.coeff, () => `${prev?.coeff ?? 0} + ${t.coeff}`);
      if (coeff === 0) terms.delete(key);
      else terms.set(key, { coeff, factors });
    }
    return new Dim(terms);
  }

  // ---------------------------------------------------------------- queries

  /** The terms (coefficient times a product of factors), for code generators; canonical order. */
  structure(): { coeff: number; factors: readonly Factor[] }[] {
    return [...this.terms.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, t]) => ({ coeff: t.coeff, factors: t.factors }));
  }

  /** The value when the dim is a constant. */
  get value(): number | undefined {
    if (this.terms.size === 0) return 0;
    if (this.terms.size !== 1) return undefined;
    const t = this.terms.get("");
    return t ? t.coeff : undefined;
  }

  isConst(): boolean {
    return this.value !== undefined;
  }

  equals(other: Dim): boolean {
    if (this === other) return true;
    const a = this.value;
    if (a !== undefined) return a === other.value;
    return this.key === other.key;
  }

  /** The symbol when the dim is exactly one symbol (`T`, not `2*T`). */
  get symbol(): Sym | undefined {
    if (this.terms.size !== 1) return undefined;
    const [t] = this.terms.values();
    if (!t || t.coeff !== 1 || t.factors.length !== 1) return undefined;
    const f = t.factors[0]!;
    return f.kind === "sym" ? f : undefined;
  }

  /** Every symbol the dim mentions (inside opaque factors too). */
  symbols(): Sym[] {
    const out = new Map<string, Sym>();
    const visit = (d: Dim) => {
      for (const t of d.terms.values()) {
        for (const f of t.factors) {
          if (f.kind === "sym") out.set(f.id, f);
          else f.args.forEach(visit);
        }
      }
    };
    visit(this);
    return [...out.values()];
  }

  // ---------------------------------------------------------------- arithmetic

  add(o: Dim): Dim {
    const a = this.value;
    const b = o.value;
    if (a !== undefined && b !== undefined) return Dim.const(checked(a + b, () => `${a} + ${b}`));
    if (a === 0) return o;
    if (b === 0) return this;
    const merged = Dim.fromTerms([...this.terms.values(), ...o.terms.values()]);
    // Merging like terms can create a cancellable quotient: hd/2 + hd/2 = 2*(hd/2) = hd.
    if (
      ![...merged.terms.values()].some(
        (t) => t.coeff !== 1 && t.factors.some((f) => f.kind === "op" && f.op === "div"),
      )
    ) {
      return merged;
    }
    let out = Dim.const(0);
    for (const t of merged.terms.values())
      out = Dim.fromTerms([...out.terms.values(), ...Dim.simplifyTerm(t).terms.values()]);
    return out;
  }

  neg(): Dim {
    return Dim.fromTerms(
      [...this.terms.values()].map((t) => ({ coeff: -t.coeff, factors: t.factors })),
    );
  }

  sub(o: Dim): Dim {
    return this.add(o.neg());
  }

  mul(o: Dim): Dim {
    const a = this.value;
    const b = o.value;
    if (a !== undefined && b !== undefined) return Dim.const(checked(a * b, () => `${a} * ${b}`));
    if (a === 1) return o;
    if (b === 1) return this;
    if (a === 0 || b === 0) return Dim.const(0);
    let out = Dim.const(0);
    for (const a of this.terms.values()) {
      for (const b of o.terms.values()) {
        out = out.add(
          Dim.simplifyTerm({
            coeff: checked(a.coeff * b.coeff, () => `${this} * ${o}`),
            factors: [...a.factors, ...b.factors],
          }),
        );
      }
    }
    return out;
  }

  /**
   * A term with `m * div(num, m)` in it is `num` times the rest: division of dims is exact by
   * definition, so `heads * (d / heads) == d`.
   */
  private static simplifyTerm(t: Term): Dim {
    for (let i = 0; i < t.factors.length; i++) {
      const f = t.factors[i]!;
      if (f.kind !== "op" || f.op !== "div") continue;
      const [num, den] = f.args;
      if (den.terms.size !== 1) continue;
      const [m] = den.terms.values();
      if (!m || t.coeff % m.coeff !== 0) continue;
      const rest = [...t.factors.slice(0, i), ...t.factors.slice(i + 1)];
      let ok = true;
      for (const g of m.factors) {
        const j = rest.findIndex((h) => factorKey(h) === factorKey(g));
        if (j < 0) {
          ok = false;
          break;
        }
        rest.splice(j, 1);
      }
      if (!ok) continue;
      return Dim.fromTerms([{ coeff: t.coeff / m.coeff, factors: rest }]).mul(num);
    }
    return Dim.fromTerms([t]);
  }

  /**
   * Exact division (the `/` of dims). Constant divisors divide every coefficient when they can; a
   * quotient that stays symbolic is an opaque factor that multiplication by the divisor cancels
   * (`heads * (d / heads) == d`). Returns undefined when the division is known to be inexact.
   */
  div(o: Dim): Dim | undefined {
    const a = this.value;
    const b = o.value;
    if (b === 0) return undefined;
    if (a !== undefined && b !== undefined) return a % b === 0 ? Dim.const(a / b) : undefined;
    if (b !== undefined && [...this.terms.values()].every((t) => t.coeff % b === 0)) {
      return Dim.fromTerms(
        [...this.terms.values()].map((t) => ({ coeff: t.coeff / b, factors: t.factors })),
      );
    }
    if (this.equals(o)) return Dim.const(1);
    // this = q * o for a monomial o: divide it out term by term.
    const q = this.divideByMonomial(o);
    if (q) return q;
    return Dim.opaque("div", this, o);
  }

  private divideByMonomial(o: Dim): Dim | undefined {
    if (o.terms.size !== 1) return undefined;
    const [m] = o.terms.values();
    if (!m || m.factors.length === 0) return undefined;
    const out: Term[] = [];
    for (const t of this.terms.values()) {
      if (t.coeff % m.coeff !== 0) return undefined;
      const rest = [...t.factors];
      for (const f of m.factors) {
        const i = rest.findIndex((g) => factorKey(g) === factorKey(f));
        if (i < 0) return undefined;
        rest.splice(i, 1);
      }
      out.push({ coeff: t.coeff / m.coeff, factors: rest });
    }
    return Dim.fromTerms(out);
  }

  floorDiv(o: Dim): Dim | undefined {
    const a = this.value;
    const b = o.value;
    if (b === 0) return undefined;
    if (a !== undefined && b !== undefined) return Dim.const(Math.floor(a / b));
    if (b === 1) return this;
    return Dim.opaque("floor_div", this, o);
  }

  ceilDiv(o: Dim): Dim | undefined {
    const a = this.value;
    const b = o.value;
    if (b === 0) return undefined;
    if (a !== undefined && b !== undefined) return Dim.const(Math.ceil(a / b));
    if (b === 1) return this;
    return Dim.opaque("ceil_div", this, o);
  }

  /** Remainder with the sign of the divisor (Python's %). */
  mod(o: Dim): Dim | undefined {
    const a = this.value;
    const b = o.value;
    if (b === 0) return undefined;
    if (a !== undefined && b !== undefined) return Dim.const(((a % b) + b) % b);
    if (b === 1 || this.equals(o)) return Dim.const(0);
    return Dim.opaque("mod", this, o);
  }

  maximum(o: Dim): Dim {
    const a = this.value;
    const b = o.value;
    if (a !== undefined && b !== undefined) return Dim.const(Math.max(a, b));
    if (this.equals(o)) return this;
    return Dim.opaque("maximum", this, o);
  }

  minimum(o: Dim): Dim {
    const a = this.value;
    const b = o.value;
    if (a !== undefined && b !== undefined) return Dim.const(Math.min(a, b));
    if (this.equals(o)) return this;
    return Dim.opaque("minimum", this, o);
  }

  // ---------------------------------------------------------------- substitution

  /** Replaces symbols (by id) with dims, re-normalizing (so bound dims fold to constants). */
  subst(env: (s: Sym) => Dim | undefined): Dim {
    let out = Dim.const(0);
    for (const t of this.terms.values()) {
      let term = Dim.const(t.coeff);
      for (const f of t.factors) term = term.mul(substFactor(f, env));
      out = out.add(term);
    }
    return out;
  }

  /** The numeric value with every symbol given a value, or undefined if one is missing. */
  evaluate(values: (s: Sym) => number | undefined): number | undefined {
    let missing = false;
    const d = this.subst((s) => {
      const v = values(s);
      if (v === undefined) {
        missing = true;
        return undefined;
      }
      return Dim.const(v);
    });
    return missing ? undefined : d.value;
  }

  // ---------------------------------------------------------------- printing

  /** `B*T`, `3*d + 1`, `d/heads`, `floor_div(T, 2)`. */
  toString(): string {
    if (this.terms.size === 0) return "0";
    const terms = [...this.terms.values()].sort(
      (a, b) =>
        b.factors.length - a.factors.length ||
        (monomialKey(a.factors) < monomialKey(b.factors) ? -1 : 1),
    );
    let s = "";
    terms.forEach((t, i) => {
      const neg = t.coeff < 0;
      const abs = Math.abs(t.coeff);
      const body =
        t.factors.length === 0
          ? String(abs)
          : (abs === 1 ? "" : `${abs}*`) +
            t.factors.map((f) => factorString(f, t.factors.length > 1)).join("*");
      s += i === 0 ? (neg ? "-" : "") + body : (neg ? " - " : " + ") + body;
    });
    return s;
  }
}

function substFactor(f: Factor, env: (s: Sym) => Dim | undefined): Dim {
  if (f.kind === "sym") return env(f) ?? Dim.sym(f.name, f.id);
  const [a, b] = [f.args[0].subst(env), f.args[1].subst(env)];
  switch (f.op) {
    case "div":
      return a.div(b) ?? Dim.opaque("div", a, b);
    case "floor_div":
      return a.floorDiv(b) ?? Dim.opaque("floor_div", a, b);
    case "ceil_div":
      return a.ceilDiv(b) ?? Dim.opaque("ceil_div", a, b);
    case "mod":
      return a.mod(b) ?? Dim.opaque("mod", a, b);
    case "maximum":
      return a.maximum(b);
    case "minimum":
      return a.minimum(b);
  }
}

function factorString(f: Factor, inProduct: boolean): string {
  if (f.kind === "sym") return f.name;
  const [a, b] = f.args.map((x) => (needsParens(x) ? `(${x})` : x.toString()));
  if (f.op === "div") return inProduct ? `(${a}/${b})` : `${a}/${b}`;
  return `${f.op}(${f.args[0]}, ${f.args[1]})`;
}

function needsParens(d: Dim): boolean {
  const s = d.toString();
  return /[ +*/-]/.test(s.replace(/^-/, ""));
}
