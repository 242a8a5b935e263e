/**
 * Name resolution for the editor: every identifier of a module as an occurrence of a target (the
 * declaration it names), following spec/language.md §3.3: compile-time positions see the static
 * namespace (hyperparameters, block-level lets), tensor positions in a forward see locals and
 * members first; keyword arguments name the callee's hyperparameters; `a.b` names a member of
 * the block `a` instantiates, or a declaration of the module `a`. Definition, references, rename,
 * semantic tokens and hover are all lookups in this index.
 */
import type * as A from "../grammar/ast.js";
import {
  BUILTIN_NAMES,
  CONSTANTS,
  DTYPE_NAMES,
  PRIMITIVE_NAMES,
} from "../compiler/check/builtins.js";
import type { ModuleScope, TopDecl } from "../compiler/check/scope.js";
import type { ModuleInfo } from "../compiler/modules/program.js";

export type TargetKind =
  | "block"
  | "interface"
  | "fn"
  | "model"
  | "let"
  | "import"
  | "module"
  | "hyper"
  | "param"
  | "layer"
  | "input"
  | "output"
  | "local"
  | "index"
  | "dim"
  | "fnParam"
  | "builtin";

export interface Target {
  /** `path:offset` of the declaring identifier; `builtin:name` for built-ins. */
  key: string;
  name: string;
  kind: TargetKind;
  /** Absolute path of the declaring module ("" for built-ins). */
  path: string;
  /** The declaring identifier. */
  span: A.Span;
  /** The declaration (a BlockDecl, ParamDecl, ParamMember, LayerMember, LetDecl, ...). */
  decl?: A.Node;
  /** The block, fn or interface a hyperparameter, member or local belongs to. */
  owner?: A.BlockDecl | A.FnDecl | A.InterfaceDecl;
  /** For an import alias or a module alias: what it stands for. */
  of?: Target;
  /** For a module alias: the module. */
  module?: ModuleInfo;
}

export interface Occurrence {
  span: A.Span;
  target: Target;
  /** The declaring occurrence itself. */
  decl: boolean;
}

const PRIMS = new Set<string>(PRIMITIVE_NAMES);
const DTYPES = new Set<string>(DTYPE_NAMES);

export function builtinTarget(name: string): Target {
  return { key: `builtin:${name}`, name, kind: "builtin", path: "", span: { start: 0, end: 0 } };
}

export function isPrimitive(name: string): boolean {
  return PRIMS.has(name);
}

function key(path: string, span: A.Span): string {
  return `${path}:${span.start}`;
}

/** The target of a module-level declaration, as any module sees it. */
export function topTarget(d: TopDecl, from = ""): Target | undefined {
  switch (d.kind) {
    case "block":
    case "interface":
    case "fn":
    case "model":
      return {
        key: key(d.module.path, d.decl.name.span),
        name: d.decl.name.name,
        kind: d.kind,
        path: d.module.path,
        span: d.decl.name.span,
        decl: d.decl,
      };
    case "let":
      return {
        key: key(d.module.path, d.name.span),
        name: d.name.name,
        kind: "let",
        path: d.module.path,
        span: d.name.span,
        decl: d.decl,
      };
    case "module": {
      const alias = d.decl.alias!;
      return {
        key: key(from, alias.span),
        name: alias.name,
        kind: "module",
        path: from,
        span: alias.span,
        module: d.target,
      };
    }
    case "poison":
      return undefined;
  }
}

type Scope = Map<string, Target>;

const cache = new WeakMap<ModuleInfo, WeakMap<Map<string, ModuleScope>, Occurrence[]>>();

/** Every name occurrence of a module (cached per parse and per scope set). */
export function occurrences(m: ModuleInfo, scopes: Map<string, ModuleScope>): Occurrence[] {
  let byScopes = cache.get(m);
  if (!byScopes) cache.set(m, (byScopes = new WeakMap()));
  const hit = byScopes.get(scopes);
  if (hit) return hit;
  const out = new Indexer(m, scopes).run();
  byScopes.set(scopes, out);
  return out;
}

/** The occurrence under `offset` (the cursor at the end of a name counts). */
export function occurrenceAt(occs: Occurrence[], offset: number): Occurrence | undefined {
  return (
    occs.find((o) => o.span.start <= offset && offset < o.span.end) ??
    occs.find((o) => o.span.start < offset && offset === o.span.end)
  );
}

class Indexer {
  private readonly out: Occurrence[] = [];
  private readonly top: Scope = new Map();
  private readonly path: string;

  constructor(
    private readonly m: ModuleInfo,
    private readonly scopes: Map<string, ModuleScope>,
  ) {
    this.path = m.path;
  }

  run(): Occurrence[] {
    const scope = this.scopes.get(this.m.path);
    if (scope) {
      for (const [name, d] of scope.names) {
        const t = topTarget(d, this.path);
        if (t) this.top.set(name, t);
      }
    }
    for (const item of this.m.file.module.items) this.item(item);
    return this.out.sort((a, b) => a.span.start - b.span.start);
  }

  private add(span: A.Span, target: Target, decl = false): void {
    if (span.end <= span.start) return;
    this.out.push({ span, target, decl });
  }

  private local(id: A.Ident, kind: TargetKind, decl: A.Node, owner?: Target["owner"]): Target {
    const t: Target = {
      key: key(this.path, id.span),
      name: id.name,
      kind,
      path: this.path,
      span: id.span,
      decl,
    };
    if (owner) t.owner = owner;
    this.add(id.span, t, true);
    return t;
  }

  private item(item: A.TopLevel): void {
    switch (item.kind) {
      case "Import":
        return this.importDecl(item);
      case "Block":
        return this.block(item);
      case "Interface": {
        this.declTop(item.name);
        const statics: Scope = new Map();
        for (const p of item.params) {
          if (p.type) this.type(p.type, statics, undefined);
          statics.set(p.name.name, this.local(p.name, "hyper", p, item));
        }
        if (item.forward) this.forwardSig(item.forward, statics, new Map(), item);
        return;
      }
      case "Fn":
        return this.fn(item);
      case "Model":
        this.declTop(item.name);
        this.expr(item.value, new Map(), undefined);
        for (const s of item.sizes) this.expr(s.value, new Map(), undefined);
        return;
      case "Let":
        if (item.pattern.kind === "Ident") this.declTop(item.pattern);
        if (item.type) this.type(item.type, new Map(), undefined);
        this.expr(item.value, new Map(), undefined);
        return;
    }
  }

  /** A top-level declaration's name: the target module scopes give it (first one wins). */
  private declTop(id: A.Ident): void {
    const t = this.top.get(id.name);
    if (t && t.path === this.path && t.span.start === id.span.start) this.add(id.span, t, true);
  }

  private importDecl(d: A.ImportDecl): void {
    const target = this.m.imports.find((i) => i.decl === d)?.target;
    const ts = target ? this.scopes.get(target) : undefined;
    if (d.alias) {
      const t = this.top.get(d.alias.name);
      if (t && t.kind === "module") this.add(d.alias.span, t, true);
    }
    for (const n of d.names ?? []) {
      const found = ts?.own.get(n.name.name);
      const orig = found ? topTarget(found) : undefined;
      if (orig) this.add(n.name.span, orig);
      if (n.alias && orig) {
        const alias: Target = {
          key: key(this.path, n.alias.span),
          name: n.alias.name,
          kind: "import",
          path: this.path,
          span: n.alias.span,
          of: orig,
        };
        this.top.set(n.alias.name, alias);
        this.add(n.alias.span, alias, true);
      }
    }
  }

  // ---------------------------------------------------------------- blocks

  private block(b: A.BlockDecl): void {
    this.declTop(b.name);
    const statics: Scope = new Map();
    const members: Scope = new Map();
    // Declarations first: names resolve over the whole block, in any order.
    for (const p of b.params) statics.set(p.name.name, this.local(p.name, "hyper", p, b));
    const declare = (list: A.Member[]) => {
      for (const mem of list) {
        if (mem.kind === "Param") members.set(mem.name.name, this.local(mem.name, "param", mem, b));
        else if (mem.kind === "Layer")
          members.set(mem.name.name, this.local(mem.name, "layer", mem, b));
        else if (mem.kind === "Let") {
          for (const id of patternIds(mem.pattern))
            statics.set(id.name, this.local(id, "let", mem, b));
        } else if (mem.kind === "IfMember") {
          declare(mem.then);
          if (mem.else) declare(mem.else);
        }
      }
    };
    declare(b.members);
    for (const p of b.params) {
      if (p.type) this.type(p.type, statics, undefined);
      if (p.default) this.expr(p.default, statics, undefined);
    }
    this.members(b.members, b, statics, members);
  }

  private members(list: A.Member[], b: A.BlockDecl, statics: Scope, members: Scope): void {
    for (const mem of list) {
      switch (mem.kind) {
        case "Param":
          this.type(mem.type, statics, undefined);
          if (mem.init) this.expr(mem.init, statics, undefined);
          break;
        case "Layer": {
          const v = mem.value;
          if (v.kind === "Repeat") {
            this.expr(v.from, statics, undefined);
            this.expr(v.to, statics, undefined);
            const inner = new Map(statics);
            inner.set(v.index.name, this.local(v.index, "index", v, b));
            this.expr(v.body, inner, undefined);
          } else if (v.kind === "Stack") {
            this.expr(v.count, statics, undefined);
            this.expr(v.body, statics, undefined);
          } else this.expr(v, statics, undefined);
          break;
        }
        case "Let":
          if (mem.type) this.type(mem.type, statics, undefined);
          this.expr(mem.value, statics, undefined);
          break;
        case "Requires":
          this.expr(mem.cond, statics, undefined);
          break;
        case "Tie":
          // Tie paths name members (`head.weight`), which compile-time positions do not see.
          this.expr(mem.target, new Map([...statics, ...members]), members);
          this.expr(mem.source, new Map([...statics, ...members]), members);
          break;
        case "IfMember":
          this.expr(mem.cond, statics, undefined);
          this.members(mem.then, b, statics, members);
          if (mem.else) this.members(mem.else, b, statics, members);
          break;
        case "Forward":
          this.forward(mem, b, statics, members);
          break;
      }
    }
  }

  /** Inputs and outputs: names in shapes that are not static are runtime dims of this forward. */
  private forwardSig(f: A.ForwardDecl, statics: Scope, dims: Scope, owner: Target["owner"]): Scope {
    const locals: Scope = new Map();
    for (const p of f.inputs) {
      if (p.type) this.type(p.type, statics, undefined, dims, owner);
      locals.set(p.name.name, this.local(p.name, "input", p, owner));
    }
    for (const o of f.outputs?.items ?? []) {
      this.type(o.type, statics, undefined, dims, owner);
      if (o.name) this.local(o.name, "output", o, owner);
    }
    return locals;
  }

  private forward(f: A.ForwardDecl, b: A.BlockDecl, statics: Scope, members: Scope): void {
    const dims: Scope = new Map();
    const locals = this.forwardSig(f, statics, dims, b);
    this.body(f.body ?? [], statics, members, locals, dims, b);
  }

  private body(
    stmts: A.Stmt[],
    statics: Scope,
    members: Scope,
    locals: Scope,
    dims: Scope,
    owner: Target["owner"],
  ): void {
    // Tensor positions: locals, then members, then statics and runtime dims.
    const tensorScope = (): Scope => new Map([...dims, ...statics, ...members, ...locals]);
    for (const s of stmts) {
      if (s.kind === "Let") {
        if (s.type) this.type(s.type, statics, undefined, dims, owner);
        this.expr(s.value, tensorScope(), members);
        for (const id of patternIds(s.pattern))
          locals.set(id.name, this.local(id, "local", s, owner));
      } else if (s.kind === "Requires") this.expr(s.cond, tensorScope(), members);
      else this.expr(s.value, tensorScope(), members);
    }
  }

  private fn(f: A.FnDecl): void {
    this.declTop(f.name);
    const statics: Scope = new Map();
    const dims: Scope = new Map();
    const locals: Scope = new Map();
    for (const p of f.params) {
      if (p.type) this.type(p.type, statics, undefined, dims, f);
      if (p.default) this.expr(p.default, statics, undefined);
      const t = this.local(p.name, "fnParam", p, f);
      locals.set(p.name.name, t);
      statics.set(p.name.name, t);
    }
    for (const o of f.outputs?.items ?? []) this.type(o.type, statics, undefined, dims, f);
    this.body(f.body, statics, new Map(), locals, dims, f);
  }

  // ---------------------------------------------------------------- types and expressions

  /** A type; with `dims`, unknown names in shapes bind runtime dims on first use. */
  private type(
    t: A.TypeExpr,
    statics: Scope,
    members: Scope | undefined,
    dims?: Scope,
    owner?: Target["owner"],
  ): void {
    switch (t.kind) {
      case "TensorType":
        if (t.dtype && DTYPES.has(t.dtype.name))
          this.add(t.dtype.span, builtinTarget(t.dtype.name));
        for (const d of t.dims) {
          if (d.kind === "VariadicDim") {
            if (d.name && dims) this.dim(d.name, dims, owner);
            continue;
          }
          if (d.kind === "Name" && dims && !statics.has(d.name) && !this.top.has(d.name)) {
            this.dim({ kind: "Ident", name: d.name, span: d.span }, dims, owner);
            continue;
          }
          this.expr(d, dims ? new Map([...dims, ...statics]) : statics, members);
        }
        return;
      case "NamedType": {
        const t2 =
          this.top.get(t.name.name) ??
          (BUILTIN_NAMES.has(t.name.name) ? builtinTarget(t.name.name) : undefined);
        if (t2) this.add(t.name.span, t2);
        for (const a of t.args ?? []) this.expr(a.value, statics, members);
        return;
      }
      case "EnumType":
        return;
      case "TupleType":
        for (const e of t.elems) this.type(e, statics, members, dims, owner);
        return;
    }
  }

  private dim(id: A.Ident, dims: Scope, owner: Target["owner"]): void {
    const t = dims.get(id.name);
    if (t) this.add(id.span, t);
    else dims.set(id.name, this.local(id, "dim", id, owner));
  }

  private lookup(name: string, scope: Scope): Target | undefined {
    const t = scope.get(name) ?? this.top.get(name);
    if (t) return t;
    if (BUILTIN_NAMES.has(name) || Object.hasOwn(CONSTANTS, name)) return builtinTarget(name);
    return undefined;
  }

  private expr(e: A.Expr, scope: Scope, members: Scope | undefined): Target | undefined {
    switch (e.kind) {
      case "Name": {
        const t = this.lookup(e.name, scope);
        if (t) this.add(e.span, t);
        return t;
      }
      case "Call": {
        const callee = this.expr(e.callee, scope, members);
        const params = calleeParams(callee);
        for (const a of e.args) {
          if (a.name && params) {
            const p = params.list.find((x) => x.name.name === a.name!.name);
            if (p)
              this.add(a.name.span, {
                key: key(params.path, p.name.span),
                name: p.name.name,
                kind: params.kind,
                path: params.path,
                span: p.name.span,
                decl: p,
                owner: params.owner,
              });
          }
          this.expr(a.value, scope, members);
        }
        return undefined;
      }
      case "Member": {
        const obj = this.expr(e.object, scope, members);
        const t = obj ? this.memberOf(obj, e.name.name, scope) : undefined;
        if (t) this.add(e.name.span, t);
        return t;
      }
      case "Unary":
        this.expr(e.operand, scope, members);
        return undefined;
      case "Binary":
        this.expr(e.left, scope, members);
        this.expr(e.right, scope, members);
        return undefined;
      case "If":
        this.expr(e.cond, scope, members);
        this.expr(e.then, scope, members);
        this.expr(e.else, scope, members);
        return undefined;
      case "Index":
        this.expr(e.object, scope, members);
        for (const i of e.indices) {
          if (i.kind === "Slice") {
            for (const x of [i.start, i.stop, i.step]) if (x) this.expr(x, scope, members);
          } else if (i.kind !== "EllipsisIndex") this.expr(i, scope, members);
        }
        return undefined;
      case "Tuple":
      case "List":
        for (const x of e.elems) this.expr(x, scope, members);
        return undefined;
      default:
        return undefined;
    }
  }

  /** `a.b`: a declaration of module alias `a`, or a member of the block layer `a` holds. */
  private memberOf(obj: Target, name: string, scope: Scope): Target | undefined {
    if (obj.kind === "module" && obj.module) {
      const d = this.scopes.get(obj.module.path)?.own.get(name);
      return d ? topTarget(d) : undefined;
    }
    if (obj.kind === "layer" && obj.decl?.kind === "Layer") {
      const block = this.blockOf(obj.decl.value, scope);
      if (!block) return undefined;
      const mem = findMember(block.decl.members, name);
      if (!mem) return undefined;
      return {
        key: key(block.path, mem.name.span),
        name,
        kind: mem.kind === "Param" ? "param" : "layer",
        path: block.path,
        span: mem.name.span,
        decl: mem,
        owner: block.decl,
      };
    }
    return undefined;
  }

  /** The block a layer value instantiates, when it is written as `Block(...)` or `Block`. */
  private blockOf(v: A.LayerValue, scope: Scope): { decl: A.BlockDecl; path: string } | undefined {
    let e: A.Expr = v.kind === "Repeat" || v.kind === "Stack" ? v.body : v;
    while (e.kind === "Call") e = e.callee;
    let t: Target | undefined;
    if (e.kind === "Name") t = this.lookup(e.name, scope);
    else if (e.kind === "Member" && e.object.kind === "Name") {
      const obj = this.lookup(e.object.name, scope);
      t = obj ? this.memberOf(obj, e.name.name, scope) : undefined;
    }
    if (t?.kind === "import") t = t.of;
    if (t?.kind === "block" && t.decl?.kind === "Block") return { decl: t.decl, path: t.path };
    return undefined;
  }
}

function calleeParams(
  t: Target | undefined,
): { list: A.ParamDecl[]; path: string; kind: TargetKind; owner: Target["owner"] } | undefined {
  if (t?.kind === "import") t = t.of;
  if (!t?.decl) return undefined;
  if (t.kind === "block" && t.decl.kind === "Block")
    return { list: t.decl.params, path: t.path, kind: "hyper", owner: t.decl };
  if (t.kind === "fn" && t.decl.kind === "Fn")
    return { list: t.decl.params, path: t.path, kind: "fnParam", owner: t.decl };
  return undefined;
}

export function findMember(
  list: A.Member[],
  name: string,
): A.ParamMember | A.LayerMember | undefined {
  for (const m of list) {
    if ((m.kind === "Param" || m.kind === "Layer") && m.name.name === name) return m;
    if (m.kind === "IfMember") {
      const f = findMember(m.then, name) ?? (m.else ? findMember(m.else, name) : undefined);
      if (f) return f;
    }
  }
  return undefined;
}

export function patternIds(p: A.Pattern): A.Ident[] {
  return p.kind === "Ident" ? [p] : p.names;
}
