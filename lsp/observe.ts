/**
 * What the language server keeps from one check of a document: the value of every expression
 * (hover shows tensor shapes from it) and every block instance (hover shows hyperparameters and
 * parameter counts). It listens to elaboration through the Emitter's query hooks and changes
 * nothing. An expression evaluated many times keeps two values: the first from a block checked on
 * its own (dims named after the hyperparameters) and the first from inside a model (concrete).
 */
import type * as A from "../grammar/ast.js";
import type { Emitter } from "../compiler/check/elaborate.js";
import type { Env } from "../compiler/check/env.js";
import type { Instance } from "../compiler/check/instance.js";
import type { Location } from "../compiler/diagnostics/diagnostic.js";
import type { Value } from "../compiler/check/values.js";

export interface Seen {
  value: Value;
  /** Where the outermost instance was made: a model's value, or the block itself. */
  root?: Location;
}

export class Observations implements Emitter {
  readonly generic = new WeakMap<A.Expr, Seen>();
  readonly concrete = new WeakMap<A.Expr, Seen>();
  /** Every instance, by the file and start of its use site. */
  readonly instances = new Map<string, Instance[]>();
  /** Every block value an application produced (code actions find the argument literals). */
  readonly blockValues: Extract<Value, { kind: "block" }>[] = [];

  primitive(): void {}

  observeValue(e: A.Expr, v: Value, env: Env): void {
    if (v.kind === "unknown") return;
    if (v.kind === "block" && e.kind === "Call") this.blockValues.push(v);
    const generic = env.instance ? env.instance.generic : true;
    const map = generic ? this.generic : this.concrete;
    if (map.has(e)) return;
    const seen: Seen = { value: v };
    const root = env.chain[0]?.location;
    if (root) seen.root = root;
    map.set(e, seen);
  }

  observeInstance(inst: Instance): void {
    const key = siteKey(inst.useSite);
    const list = this.instances.get(key);
    if (list) list.push(inst);
    else this.instances.set(key, [inst]);
  }

  /** Instances made at a use site (a layer's value, a model's value): generic ones first. */
  at(loc: Location): Instance[] {
    const list = this.instances.get(siteKey(loc)) ?? [];
    return [...list].sort((a, b) => Number(b.generic) - Number(a.generic));
  }
}

function siteKey(l: Location): string {
  return `${l.file}\u0000${l.span.start}`;
}
