/**
 * CST -> AST. The parser recovers from errors, so any child may be missing here: every accessor
 * tolerates absence and stands an `Error` expression (or an empty name) in for what is missing.
 * Structural checks that are easier on the tree than in the grammar (argument order, chained
 * comparisons, slices, nesting depth) report their diagnostics from here.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import type { Span } from "../compiler/diagnostics/source.js";
import { HARD_KEYWORDS } from "./lexer.js";

const RESERVED = new Set(HARD_KEYWORDS);

/** The keyword that starts each rule the parser accepts out of place. */
const MISPLACED_KEYWORDS: Record<string, string> = {
  paramMember: "param",
  letDecl: "let",
  layerMember: "layer",
  requiresDecl: "requires",
  tieDecl: "tie",
  ifMember: "if",
  forwardDecl: "forward",
  returnStmt: "return",
};

/** Deeper expression trees are refused (A0104): later passes recurse over them. */
export const MAX_EXPR_DEPTH = 512;

const PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
  "@": 5,
};
const COMPARISON = 3;

function isNode(e: CstElement | undefined): e is CstNode {
  return e !== undefined && "children" in e;
}

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && "image" in e;
}

function validToken(t: IToken | undefined): t is IToken {
  return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  // Plain maps, not weak ones: ephemeron tables make garbage collection slow on large files.
  private readonly depth = new Map<object, number>();

  constructor(
    private readonly file: string,
    private readonly textLength: number,
  ) {}

  // ------------------------------------------------------------------ CST access helpers

  private node(n: CstNode, key: string, i = 0): CstNode | undefined {
    const e = n.children[key]?.[i];
    return isNode(e) ? e : undefined;
  }

  private nodes(n: CstNode, key: string): CstNode[] {
    return (n.children[key] ?? []).filter(isNode);
  }

  private token(n: CstNode, key: string, i = 0): IToken | undefined {
    const e = n.children[key]?.[i];
    return isToken(e) && validToken(e) ? e : undefined;
  }

  private tokens(n: CstNode, key: string): IToken[] {
    return (n.children[key] ?? []).filter(isToken).filter(validToken);
  }

  /** Span of a CST node; a node recovered from nothing gets an empty span at `fallback`. */
  private span(n: CstNode | undefined, fallback = this.textLength): Span {
    const loc = n?.location;
    if (loc && Number.isFinite(loc.startOffset)) {
      const end = Number.isFinite(loc.endOffset) ? (loc.endOffset as number) + 1 : loc.startOffset;
      return { start: loc.startOffset, end: Math.max(end, loc.startOffset) };
    }
    return { start: fallback, end: fallback };
  }

  private tokenSpan(t: IToken): Span {
    return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }

  private ident(t: IToken | undefined, fallback: Span): A.Ident {
    if (!t) return { kind: "Ident", name: "", span: { start: fallback.end, end: fallback.end } };
    const span = this.tokenSpan(t);
    if (RESERVED.has(t.tokenType)) {
      this.report(
        "A0111",
        `'${t.image}' is a reserved keyword and cannot be used as a name`,
        span,
        `rename it, for example to '${t.image}_'`,
      );
    }
    return { kind: "Ident", name: t.image, span };
  }

  private error(span: Span): A.ErrorExpr {
    return { kind: "Error", span };
  }

  private report(code: string, message: string, span: Span, help?: string): void {
    this.diagnostics.push(
      diagnostic(code, message, { file: this.file, span }, help ? { help } : {}),
    );
  }

  // ------------------------------------------------------------------ declarations

  /** Top-level items of one parsed chunk, in source order. */
  topLevel(n: CstNode): A.TopLevel[] {
    const items: { at: number; build: () => A.TopLevel }[] = [];
    const add = (key: string, build: (c: CstNode) => A.TopLevel) => {
      for (const c of this.nodes(n, key))
        items.push({ at: this.span(c).start, build: () => build(c) });
    };
    add("importDecl", (c) => this.importDecl(c));
    add("blockDecl", (c) => this.blockDecl(c));
    add("interfaceDecl", (c) => this.interfaceDecl(c));
    add("fnDecl", (c) => this.fnDecl(c));
    add("modelDecl", (c) => this.modelDecl(c));
    add("letDecl", (c) => this.letDecl(c));
    for (const c of this.nodes(n, "misplaced")) this.misplaced(c, "top");
    return items.sort((a, b) => a.at - b.at).map((i) => i.build());
  }

  /** Reports a construct the grammar accepted only to diagnose it; it is left out of the tree. */
  private misplaced(n: CstNode, where: "top" | "member" | "body" | "interface"): void {
    const span = this.span(n);
    const keyword = MISPLACED_KEYWORDS[n.name] ?? n.name;
    if (where === "interface") {
      this.report(
        "A0112",
        `an interface declares only a forward signature; '${keyword}' cannot appear in it`,
        { start: span.start, end: span.start + keyword.length },
        "interface NAME(d: dim) { forward(x: [...S, d]) -> y: [...S, d] }",
      );
      return;
    }
    const message =
      where === "body"
        ? `'${keyword}' declares a block member; it cannot appear in a forward body`
        : keyword === "return"
          ? `'return' can only appear in a forward or fn body`
          : `'${keyword}' must be inside a block`;
    const help =
      where === "body"
        ? "move it out of forward, into the block"
        : keyword === "return"
          ? "put it in forward(...) -> ... { ... }"
          : "declare it inside block NAME(...) { ... }";
    this.report("A0112", message, { start: span.start, end: span.start + keyword.length }, help);
  }

  private importDecl(n: CstNode): A.ImportDecl {
    const span = this.span(n);
    const pathTok = this.token(n, "path");
    const decl: A.ImportDecl = {
      kind: "Import",
      path: pathTok ? this.stringLit(pathTok) : { kind: "String", raw: '""', value: "", span },
      span,
    };
    const alias = this.token(n, "alias");
    if (alias) decl.alias = this.ident(alias, span);
    if (n.children.LBrace) {
      decl.names = this.nodes(n, "importName").map((c) => {
        const s = this.span(c);
        const name: A.ImportName = {
          kind: "ImportName",
          name: this.ident(this.token(c, "name"), s),
          span: s,
        };
        const a = this.token(c, "alias");
        if (a) name.alias = this.ident(a, s);
        return name;
      });
    }
    return decl;
  }

  private blockDecl(n: CstNode): A.BlockDecl {
    const span = this.span(n);
    return {
      kind: "Block",
      name: this.ident(this.token(n, "name"), span),
      params: this.paramList(this.node(n, "paramList")),
      members: this.nodes(n, "member").flatMap((m) => this.member(m)),
      span,
    };
  }

  private interfaceDecl(n: CstNode): A.InterfaceDecl {
    const span = this.span(n);
    const decl: A.InterfaceDecl = {
      kind: "Interface",
      name: this.ident(this.token(n, "name"), span),
      params: this.paramList(this.node(n, "paramList")),
      span,
    };
    const fwd = this.node(n, "forwardSig");
    if (fwd) decl.forward = this.forwardDecl(fwd);
    for (const c of this.nodes(n, "misplaced")) this.misplaced(c, "interface");
    return decl;
  }

  private fnDecl(n: CstNode): A.FnDecl {
    const span = this.span(n);
    const outputs = this.node(n, "outputs");
    const bodyNode = this.node(n, "body");
    const decl: A.FnDecl = {
      kind: "Fn",
      name: this.ident(this.token(n, "name"), span),
      params: this.paramList(this.node(n, "paramList")),
      body: [],
      short: !bodyNode,
      span,
    };
    if (outputs) decl.outputs = this.outputs(outputs);
    if (bodyNode) {
      decl.body = this.body(bodyNode);
    } else {
      const e = this.expr(this.node(n, "expr"), span);
      decl.body = [{ kind: "Return", value: e, span: e.span }];
    }
    return decl;
  }

  private modelDecl(n: CstNode): A.ModelDecl {
    const span = this.span(n);
    return {
      kind: "Model",
      name: this.ident(this.token(n, "name"), span),
      value: this.expr(this.node(n, "expr"), span),
      sizes: this.nodes(n, "binding").map((b) => {
        const s = this.span(b);
        return {
          kind: "Binding",
          name: this.ident(this.token(b, "name"), s),
          value: this.expr(this.node(b, "expr"), s),
          span: s,
        };
      }),
      span,
    };
  }

  private paramList(n: CstNode | undefined): A.ParamDecl[] {
    if (!n) return [];
    return this.nodes(n, "paramDecl").map((p) => {
      const span = this.span(p);
      const decl: A.ParamDecl = {
        kind: "ParamDecl",
        name: this.ident(this.token(p, "name"), span),
        span,
      };
      const type = this.node(p, "typeExpr");
      if (type) decl.type = this.typeExpr(type);
      if (p.children.Equals) decl.default = this.expr(this.node(p, "expr"), span);
      return decl;
    });
  }

  // ------------------------------------------------------------------ members and statements

  private member(n: CstNode): A.Member[] {
    const [key, child] = this.onlyChild(n);
    if (!child) return [];
    switch (key) {
      case "paramMember":
        return [this.paramMember(child)];
      case "layerMember":
        return [this.layerMember(child)];
      case "letDecl":
        return [this.letDecl(child)];
      case "requiresDecl":
        return [this.requiresDecl(child)];
      case "tieDecl": {
        const span = this.span(child);
        return [
          {
            kind: "Tie",
            target: this.expr(this.node(child, "target"), span),
            source: this.expr(this.node(child, "source"), span),
            span,
          },
        ];
      }
      case "ifMember":
        return [this.ifMember(child)];
      case "forwardDecl":
        return [this.forwardDecl(child)];
      case "misplaced":
        this.misplaced(child, "member");
        return [];
      default:
        return [];
    }
  }

  /** The single sub-node of an alternation rule (`member`, `statement`). */
  private onlyChild(n: CstNode): [string, CstNode | undefined] {
    for (const [key, elems] of Object.entries(n.children)) {
      const e = elems[0];
      if (isNode(e)) return [key, e];
    }
    return ["", undefined];
  }

  private paramMember(n: CstNode): A.ParamMember {
    const span = this.span(n);
    const type = this.node(n, "tensorType");
    const m: A.ParamMember = {
      kind: "Param",
      name: this.ident(this.token(n, "name"), span),
      type: type
        ? this.tensorType(type)
        : { kind: "TensorType", dims: [], span: { start: span.end, end: span.end } },
      span,
    };
    if (n.children.Equals) m.init = this.expr(this.node(n, "expr"), span);
    return m;
  }

  private layerMember(n: CstNode): A.LayerMember {
    const span = this.span(n);
    const v = this.node(n, "layerValue");
    return {
      kind: "Layer",
      name: this.ident(this.token(n, "name"), span),
      value: this.layerValue(v, span),
      span,
    };
  }

  private layerValue(n: CstNode | undefined, parent: Span): A.LayerValue {
    if (!n) return this.error({ start: parent.end, end: parent.end });
    const span = this.span(n, parent.end);
    if (n.children.Repeat) {
      return {
        kind: "Repeat",
        index: this.ident(this.token(n, "index"), span),
        from: this.expr(this.node(n, "from"), span),
        to: this.expr(this.node(n, "to"), span),
        body: this.expr(this.node(n, "body"), span),
        span,
      };
    }
    if (n.children.Stack) {
      return {
        kind: "Stack",
        count: this.expr(this.node(n, "count"), span),
        body: this.expr(this.node(n, "body"), span),
        span,
      };
    }
    return this.expr(this.node(n, "value"), span);
  }

  private letDecl(n: CstNode): A.LetDecl {
    const span = this.span(n);
    const decl: A.LetDecl = {
      kind: "Let",
      pattern: this.pattern(this.node(n, "pattern"), span),
      value: this.expr(this.node(n, "expr"), span),
      span,
    };
    const type = this.node(n, "typeExpr");
    if (type) decl.type = this.typeExpr(type);
    return decl;
  }

  private pattern(n: CstNode | undefined, parent: Span): A.Pattern {
    if (!n) return this.ident(undefined, parent);
    const span = this.span(n, parent.end);
    const names = this.tokens(n, "name").map((t) => this.ident(t, span));
    if (!n.children.LParen) return names[0] ?? this.ident(undefined, span);
    if (names.length === 0) {
      this.report(
        "A0109",
        "a tuple pattern needs at least one name",
        span,
        "write `let (a, b) = ...` or `let a = ...`",
      );
    }
    return { kind: "TuplePattern", names, span };
  }

  private requiresDecl(n: CstNode): A.RequiresDecl {
    const span = this.span(n);
    const decl: A.RequiresDecl = {
      kind: "Requires",
      cond: this.expr(this.node(n, "expr"), span),
      span,
    };
    const msg = this.token(n, "message");
    if (msg) decl.message = this.stringLit(msg);
    return decl;
  }

  private ifMember(n: CstNode): A.IfMember {
    const span = this.span(n);
    const m: A.IfMember = {
      kind: "IfMember",
      cond: this.expr(this.node(n, "cond"), span),
      then: this.nodes(n, "then").flatMap((c) => this.member(c)),
      thenSpan: this.bracesSpan(n, span),
      span,
    };
    const elseIf = this.node(n, "elseIf");
    if (elseIf) m.else = [this.ifMember(elseIf)];
    else if (n.children.Else) m.else = this.nodes(n, "else").flatMap((c) => this.member(c));
    return m;
  }

  /** From the first `{` to the first `}` of a node (a missing brace ends at the parent's end). */
  private bracesSpan(n: CstNode, parent: Span): Span {
    const open = this.token(n, "LBrace");
    const close = this.token(n, "RBrace");
    return {
      start: open ? open.startOffset : parent.start,
      end: close ? close.startOffset + 1 : parent.end,
    };
  }

  private forwardDecl(n: CstNode): A.ForwardDecl {
    const span = this.span(n);
    const decl: A.ForwardDecl = {
      kind: "Forward",
      inputs: this.paramList(this.node(n, "paramList")),
      span,
    };
    const outputs = this.node(n, "outputs");
    if (outputs) decl.outputs = this.outputs(outputs);
    const body = this.node(n, "body");
    if (body) decl.body = this.body(body);
    return decl;
  }

  private outputs(n: CstNode): A.Outputs {
    const span = this.span(n);
    return {
      kind: "Outputs",
      parenthesized: n.children.LParen !== undefined,
      items: this.nodes(n, "outputSpec").map((o) => {
        const s = this.span(o);
        const type = this.node(o, "tensorType");
        const spec: A.OutputSpec = {
          kind: "OutputSpec",
          type: type
            ? this.tensorType(type)
            : { kind: "TensorType", dims: [], span: { start: s.end, end: s.end } },
          span: s,
        };
        const name = this.token(o, "name");
        if (name) spec.name = this.ident(name, s);
        return spec;
      }),
      span,
    };
  }

  private body(n: CstNode): A.Stmt[] {
    return this.nodes(n, "statement").flatMap((s): A.Stmt[] => {
      const [key, child] = this.onlyChild(s);
      if (!child) return [];
      if (key === "letDecl") return [this.letDecl(child)];
      if (key === "requiresDecl") return [this.requiresDecl(child)];
      if (key === "returnStmt") {
        const span = this.span(child);
        return [{ kind: "Return", value: this.expr(this.node(child, "expr"), span), span }];
      }
      if (key === "misplaced") this.misplaced(child, "body");
      return [];
    });
  }

  // ------------------------------------------------------------------ types

  private typeExpr(n: CstNode): A.TypeExpr {
    const [key, child] = this.onlyChild(n);
    const span = this.span(n);
    if (!child) return { kind: "NamedType", name: this.ident(undefined, span), span };
    switch (key) {
      case "tensorType":
        return this.tensorType(child);
      case "enumType": {
        const s = this.span(child);
        return {
          kind: "EnumType",
          members: this.tokens(child, "member").map((t) => this.ident(t, s)),
          span: s,
        };
      }
      case "tupleType": {
        const s = this.span(child);
        return {
          kind: "TupleType",
          elems: this.nodes(child, "typeExpr").map((t) => this.typeExpr(t)),
          span: s,
        };
      }
      default: {
        const s = this.span(child);
        const tok = this.token(child, "name");
        const name = tok
          ? { kind: "Ident" as const, name: tok.image, span: this.tokenSpan(tok) }
          : this.ident(undefined, s);
        const t: A.NamedType = { kind: "NamedType", name, span: s };
        const args = this.node(child, "argList");
        if (args) t.args = this.args(args);
        return t;
      }
    }
  }

  private tensorType(n: CstNode): A.TensorType {
    const span = this.span(n);
    const t: A.TensorType = {
      kind: "TensorType",
      dims: this.nodes(n, "dimElem").map((d): A.DimElem => {
        if (d.children.Ellipsis) {
          const s = this.span(d);
          const v: A.VariadicDim = { kind: "VariadicDim", span: s };
          const name = this.token(d, "name");
          if (name) v.name = this.ident(name, s);
          return v;
        }
        return this.expr(this.node(d, "expr"), this.span(d));
      }),
      span,
    };
    const dtype = this.token(n, "dtype");
    if (dtype) t.dtype = this.ident(dtype, span);
    const variadics = t.dims.filter((d) => d.kind === "VariadicDim");
    if (variadics.length > 1) {
      this.report(
        "A0108",
        `a shape may have at most one variadic dim, found ${variadics.length}`,
        variadics[1]!.span,
        "name the fixed dims explicitly and keep one `...S` for the rest",
      );
    }
    return t;
  }

  // ------------------------------------------------------------------ expressions

  /** Records an expression's depth from its children's (an array: lists may be huge). */
  private setDepth<E extends A.Expr>(e: E, children: readonly (A.Expr | undefined)[] = []): E {
    let d = 0;
    for (const c of children) if (c) d = Math.max(d, this.depth.get(c) ?? 1);
    this.depth.set(e, d + 1);
    return e;
  }

  /** Forgets per-expression bookkeeping between top-level items (it is only needed within one). */
  reset(): void {
    this.depth.clear();
    this.parenthesized.clear();
  }

  /** Refuses trees deeper than MAX_EXPR_DEPTH: later passes recurse over expressions. */
  private bounded(e: A.Expr): A.Expr {
    if ((this.depth.get(e) ?? 1) <= MAX_EXPR_DEPTH) return e;
    this.report(
      "A0104",
      `expression nested more than ${MAX_EXPR_DEPTH} levels deep`,
      e.span,
      "split it into several `let` statements",
    );
    return this.setDepth(this.error(e.span));
  }

  expr(n: CstNode | undefined, parent: Span): A.Expr {
    if (!n) return this.error({ start: parent.end, end: parent.end });
    const ifNode = this.node(n, "ifExpr");
    if (ifNode) {
      const span = this.span(ifNode);
      const cond = this.expr(this.node(ifNode, "cond"), span);
      const then = this.expr(this.node(ifNode, "then"), span);
      const els = this.expr(this.node(ifNode, "else"), span);
      return this.bounded(
        this.setDepth({ kind: "If", cond, then, else: els, span }, [cond, then, els]),
      );
    }
    const bin = this.node(n, "binaryExpr");
    if (!bin) return this.error(this.span(n, parent.end));
    return this.binary(bin);
  }

  /** Applies precedence to the flat `operand (operator operand)*` list (precedence climbing). */
  private binary(n: CstNode): A.Expr {
    const operands = this.nodes(n, "operand").map((o) => this.unary(o));
    const ops = (n.children.operator ?? []).filter(isToken).map((t) => t.image as A.BinaryOp);
    if (operands.length === 0) return this.error(this.span(n));
    // `**` first: right-associative, binding tighter than prefix operators (-x ** 2 = -(x ** 2)).
    const terms: A.Expr[] = [];
    const rest: A.BinaryOp[] = [];
    for (let i = operands.length - 1; i >= 0;) {
      let j = i;
      while (j > 0 && ops[j - 1] === "**") j--;
      // operands j..i are joined by `**`; fold from the right.
      let acc = this.applyPrefixes(operands[i]!.expr, operands[i]!.prefixes);
      for (let k = i - 1; k >= j; k--) {
        const base = operands[k]!.expr;
        const pow = this.bounded(
          this.setDepth(
            { kind: "Binary", op: "**", left: base, right: acc, span: join(base.span, acc.span) },
            [base, acc],
          ),
        );
        acc = this.applyPrefixes(pow, operands[k]!.prefixes);
      }
      // Collected right to left and reversed once: unshift would make long sums quadratic.
      terms.push(acc);
      if (j > 0) rest.push(ops[j - 1]!);
      i = j - 1;
    }
    return this.climb(terms.reverse(), rest.reverse());
  }

  private climb(operands: A.Expr[], ops: A.BinaryOp[]): A.Expr {
    // An explicit stack instead of recursion: a 100,000-term sum must not overflow the stack.
    const out: A.Expr[] = [operands[0]!];
    const opStack: A.BinaryOp[] = [];
    const reduce = () => {
      const op = opStack.pop()!;
      const right = out.pop()!;
      const left = out.pop()!;
      if (
        PRECEDENCE[op] === COMPARISON &&
        left.kind === "Binary" &&
        PRECEDENCE[left.op] === COMPARISON &&
        !this.parenthesized.has(left)
      ) {
        this.report(
          "A0106",
          `comparisons cannot be chained: '${left.op}' then '${op}'`,
          join(left.span, right.span),
          "combine them with && (for example `a < b && b < c`)",
        );
      }
      out.push(
        this.bounded(
          this.setDepth({ kind: "Binary", op, left, right, span: join(left.span, right.span) }, [
            left,
            right,
          ]),
        ),
      );
    };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      while (opStack.length > 0 && PRECEDENCE[opStack[opStack.length - 1]!]! >= PRECEDENCE[op]!)
        reduce();
      opStack.push(op);
      out.push(operands[i + 1]!);
    }
    while (opStack.length > 0) reduce();
    return out[0]!;
  }

  /** Expressions written in parentheses (so `(a < b) == c` is not a chained comparison). */
  private readonly parenthesized = new Set<A.Expr>();

  private unary(n: CstNode): { expr: A.Expr; prefixes: IToken[] } {
    const prefixes = this.tokens(n, "prefix");
    const post = this.node(n, "postfixExpr");
    const expr = post ? this.postfix(post) : this.error(this.span(n));
    return { expr, prefixes };
  }

  private applyPrefixes(e: A.Expr, prefixes: IToken[]): A.Expr {
    let acc = e;
    for (let i = prefixes.length - 1; i >= 0; i--) {
      const t = prefixes[i]!;
      acc = this.bounded(
        this.setDepth(
          {
            kind: "Unary",
            op: t.image as A.UnaryOp,
            operand: acc,
            span: join(this.tokenSpan(t), acc.span),
          },
          [acc],
        ),
      );
    }
    return acc;
  }

  private postfix(n: CstNode): A.Expr {
    const primaryNode = this.node(n, "primary");
    let e = primaryNode ? this.primary(primaryNode) : this.error(this.span(n));
    for (const s of this.nodes(n, "suffix")) {
      const span = join(e.span, this.span(s, e.span.end));
      if (s.name === "argList") {
        const args = this.args(s);
        e = this.setDepth({ kind: "Call", callee: e, args, span }, [
          e,
          ...args.map((a) => a.value),
        ]);
      } else if (s.name === "memberSuffix") {
        e = this.setDepth(
          { kind: "Member", object: e, name: this.ident(this.token(s, "name"), span), span },
          [e],
        );
      } else {
        const indices = this.nodes(s, "indexElem").map((i) => this.indexElem(i));
        if (indices.length === 0) {
          this.report(
            "A0107",
            "an index needs at least one element",
            span,
            "write x[i], x[a:b] or x[..., i]",
          );
        }
        e = this.setDepth({ kind: "Index", object: e, indices, span }, [
          e,
          ...indices.filter(isExpr),
        ]);
      }
      e = this.bounded(e);
    }
    return e;
  }

  private args(n: CstNode): A.Arg[] {
    const args = this.nodes(n, "arg").map((a): A.Arg => {
      const span = this.span(a);
      const arg: A.Arg = { kind: "Arg", value: this.expr(this.node(a, "expr"), span), span };
      const name = this.token(a, "name");
      if (name) arg.name = this.ident(name, span);
      return arg;
    });
    let sawKeyword: A.Arg | undefined;
    for (const a of args) {
      if (a.name) sawKeyword = a;
      else if (sawKeyword) {
        this.report(
          "A0105",
          `positional argument after keyword argument '${sawKeyword.name!.name}'`,
          a.span,
          "put positional arguments first, or name this one too",
        );
        break;
      }
    }
    return args;
  }

  private indexElem(n: CstNode): A.IndexElem {
    const span = this.span(n);
    if (n.children.Ellipsis) return { kind: "EllipsisIndex", span };
    const tail = this.node(n, "sliceTail");
    const startNode = this.node(n, "start");
    if (!tail) return this.expr(startNode, span);
    const slice: A.Slice = { kind: "Slice", span };
    if (startNode) slice.start = this.expr(startNode, span);
    const stop = this.node(tail, "stop");
    if (stop) slice.stop = this.expr(stop, span);
    const step = this.node(tail, "step");
    if (step) slice.step = this.expr(step, span);
    return slice;
  }

  private primary(n: CstNode): A.Expr {
    const span = this.span(n);
    const num = this.token(n, "Number");
    if (num) {
      const value = Number(num.image.replace(/_/g, ""));
      return this.setDepth({
        kind: "Number",
        raw: num.image,
        value,
        isFloat: /[.eE]/.test(num.image),
        span,
      });
    }
    const str = this.token(n, "String");
    if (str) return this.setDepth(this.stringLit(str));
    if (n.children.True) return this.setDepth({ kind: "Bool", value: true, span });
    if (n.children.False) return this.setDepth({ kind: "Bool", value: false, span });
    const id = this.token(n, "Ident");
    if (id) return this.setDepth({ kind: "Name", name: id.image, span });
    if (n.children.LParen) {
      const elems = this.nodes(n, "elem").map((e) => this.expr(e, span));
      const commas = (n.children.Comma ?? []).length;
      if (elems.length === 1 && commas === 0) {
        // `(e)` is e itself, spanning its parentheses (comments after it then follow the ')').
        const inner = { ...elems[0]!, span } as A.Expr;
        this.depth.set(inner, this.depth.get(elems[0]!) ?? 1);
        this.parenthesized.add(inner);
        return inner;
      }
      return this.setDepth({ kind: "Tuple", elems, span }, elems);
    }
    if (n.children.LBracket) {
      const elems = this.nodes(n, "listElem").map((e) => this.expr(e, span));
      return this.setDepth({ kind: "List", elems, span }, elems);
    }
    return this.setDepth(this.error(span));
  }

  stringLit(t: IToken): A.StringLit {
    const raw = t.image;
    const span = this.tokenSpan(t);
    const closed = /^"(?:[^"\\\n\r]|\\.)*"$/.test(raw);
    const inner = raw.slice(1, closed ? -1 : undefined);
    let value = "";
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i]!;
      if (c !== "\\") {
        value += c;
        continue;
      }
      const next = inner[i + 1];
      i++;
      const decoded = next === undefined ? undefined : ESCAPES[next];
      if (decoded !== undefined) value += decoded;
      else {
        const at = span.start + 1 + i - 1;
        this.report(
          "A0005",
          `invalid escape sequence '\\${next ?? ""}' in a string`,
          { start: at, end: at + 2 },
          'valid escapes are \\" \\\\ \\n \\t \\{ \\}',
        );
        value += next ?? "";
      }
    }
    return { kind: "String", raw, value, span };
  }
}

/** `\{` and `\}` decode to braces; `requires` messages find their `{expr}` holes in `raw`. */
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  n: "\n",
  t: "\t",
  "{": "{",
  "}": "}",
};

function isExpr(e: A.IndexElem): e is A.Expr {
  return e.kind !== "Slice" && e.kind !== "EllipsisIndex";
}

export function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
