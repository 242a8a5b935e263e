/**
 * The checker's shared state: module scopes, the diagnostics sink (which attaches instantiation
 * chains and moves errors found inside the standard library to the user's use site), limits, and
 * the equalities established between runtime dims.
 */
import {
  diagnostic,
  type Diagnostic,
  type DiagnosticInit,
  type Location,
} from "../diagnostics/diagnostic.js";
import type { ModuleInfo, Program } from "../modules/program.js";
import type { DimEquality } from "../ops/types.js";
import { Dim } from "../shapes/dim.js";
import type { Frame } from "./instance.js";
import type { ModuleScope } from "./scope.js";

export interface CheckLimits {
  /** Block instances per model (a `repeat` of 10^9 is refused before anything is built). */
  maxInstances: number;
  /** Nesting of instantiation (recursive blocks) and of fn inlining. */
  maxDepth: number;
  /** Largest parameter, in bytes (WebGPU's maximum buffer size on the adapters we target). */
  maxParamBytes: number;
  /** Why `maxParamBytes` is the limit, completing "more than the N bytes ..." in A0504. */
  maxParamReason: string;
  /** Expressions evaluated per elaboration (bounds the time of any check). */
  maxSteps: number;
}

export const DEFAULT_LIMITS: CheckLimits = {
  maxInstances: 100_000,
  maxDepth: 64,
  maxParamBytes: 2 ** 31,
  maxParamReason: "a GPU buffer can hold",
  maxSteps: 3_000_000,
};

/** Union-find over runtime dim symbols, fed by `requires S == T`. */
export class DimEqualities implements DimEquality {
  private readonly parent = new Map<string, string>();
  private readonly names = new Map<string, Dim>();

  private find(id: string): string {
    let r = id;
    while (this.parent.has(r)) r = this.parent.get(r)!;
    return r;
  }

  union(a: Dim, b: Dim): void {
    const sa = a.symbol;
    const sb = b.symbol;
    if (!sa || !sb) return;
    this.names.set(sa.id, a);
    this.names.set(sb.id, b);
    const ra = this.find(sa.id);
    const rb = this.find(sb.id);
    if (ra !== rb) this.parent.set(ra, rb);
  }

  /** The dim with every symbol replaced by its class representative. */
  canonical(d: Dim): Dim {
    if (this.parent.size === 0) return d;
    return d.subst((s) => {
      const r = this.find(s.id);
      return r === s.id ? undefined : this.names.get(r);
    });
  }

  equal(a: Dim, b: Dim): boolean {
    return a.equals(b) || this.canonical(a).equals(this.canonical(b));
  }
}

export class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly equalities = new DimEqualities();
  private readonly seen = new Set<string>();
  private readonly seenLog: string[] = [];

  /** A point to roll back to: a trial elaboration whose diagnostics may be discarded. */
  mark(): number {
    return this.diagnostics.length * 1e9 + this.seenLog.length;
  }

  /** Errors reported since `mark`. */
  errorsSince(mark: number): number {
    return this.diagnostics.slice(Math.floor(mark / 1e9)).filter((d) => d.severity === "error")
      .length;
  }

  rollback(mark: number): void {
    this.diagnostics.length = Math.floor(mark / 1e9);
    for (const k of this.seenLog.splice(mark % 1e9)) this.seen.delete(k);
  }

  constructor(
    readonly program: Program,
    readonly scopes: Map<string, ModuleScope>,
    readonly limits: CheckLimits = DEFAULT_LIMITS,
  ) {}

  private readonly brokenCache = new Map<string, { start: number; end: number }[]>();

  /**
   * True when a declaration contains a syntax error: it is not checked (its tree is partial, so
   * semantic errors there would be noise) and using it reports nothing more.
   */
  isBroken(m: ModuleInfo, span: { start: number; end: number }): boolean {
    let errs = this.brokenCache.get(m.path);
    if (!errs) {
      errs = m.file.diagnostics.filter((d) => d.severity === "error").map((d) => d.location.span);
      this.brokenCache.set(m.path, errs);
    }
    return errs.some((e) => e.start >= span.start && e.start <= span.end);
  }

  scope(m: ModuleInfo): ModuleScope {
    const s = this.scopes.get(m.path);
    if (!s) throw new Error(`internal: no scope for ${m.displayPath}`);
    return s;
  }

  /**
   * Reports a diagnostic found while elaborating under `chain`. An error inside the standard
   * library is shown at the innermost use site in the user's code, with the library location as
   * related information; the chain is listed as notes. Identical reports (the same code at the
   * same place, as from every layer of a stack) are kept once.
   */
  report(
    code: string,
    message: string,
    location: Location,
    chain: Frame[],
    init: DiagnosticInit = {},
  ): void {
    let primary = location;
    const related = [...(init.related ?? [])];
    if (this.isStdlib(location.file)) {
      const user = [...chain].reverse().find((f) => !this.isStdlib(f.location.file));
      if (user) {
        related.unshift({
          location,
          message: "the check that failed is in the standard library here",
        });
        primary = user.location;
      }
    }
    // The same code at the same place is one mistake, even if found again with other values
    // (a block checked on its own, then inside a model).
    const key = `${code}|${primary.file}|${primary.span.start}|${location.file}|${location.span.start}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.seenLog.push(key);
    let notes = [...chain]
      .reverse()
      .filter((f) => !f.hidden)
      .map((f) => `in ${f.label} at ${this.where(f.location)}`);
    // A deep chain (a recursive block) is shown by its ends.
    if (notes.length > 8)
      notes = [...notes.slice(0, 4), `… ${notes.length - 7} more …`, ...notes.slice(-3)];
    this.diagnostics.push(
      diagnostic(code, message, primary, {
        ...init,
        related,
        notes: [...(init.notes ?? []), ...notes],
      }),
    );
  }

  private isStdlib(file: string): boolean {
    return this.program.all().some((m) => m.isStdlib && m.displayPath === file);
  }

  where(loc: Location): string {
    const m = this.program.all().find((x) => x.displayPath === loc.file);
    if (!m) return loc.file;
    const p = m.file.source.position(loc.span.start);
    return `${loc.file}:${p.line}:${p.col}`;
  }
}
