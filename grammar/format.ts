/**
 * The canonical .arch formatter (`archc fmt`). It prints a syntax tree with prettier's document
 * builders (Wadler-style groups that break when a line exceeds 100 columns), keeps every comment,
 * and is idempotent: format(format(x)) == format(x).
 *
 * Comments are placed by position. Before each item of a sequence (declarations, members,
 * statements, hyperparameters, arguments, list elements) the comments that precede it are printed
 * on their own lines; a comment on the same line after an item stays there. A comment inside an
 * expression, where no such position exists, moves to the next one.
 */
import * as doc from "prettier/doc";
type Doc = doc.builders.Doc;
import type * as A from "./ast.js";

const {
  group,
  indent,
  line,
  softline,
  hardline,
  join,
  ifBreak,
  lineSuffix,
  breakParent,
  literalline,
} = doc.builders;

export const PRINT_WIDTH = 100;

/** Formats a module. `text` is the source it was parsed from (for comments and blank lines). */
export function formatModule(module: A.Module, text = ""): string {
  const printer = new Printer(
    module.comments.filter((c) => !c.attached),
    text,
  );
  const body = printer.module(module);
  const out = doc.printer.printDocToString(body, {
    printWidth: PRINT_WIDTH,
    tabWidth: 2,
    useTabs: false,
  } as never).formatted as string;
  const trimmed = out
    .split("\n")
    .map((l) => l.replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n+$/, "");
  return trimmed.length > 0 ? trimmed + "\n" : "";
}

/** Binding strength of each expression form; higher binds tighter. */
const PREC: Record<string, number> = {
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
const UNARY = 6;
const POW = 7;
const POSTFIX = 8;

function prec(e: A.Expr): number {
  switch (e.kind) {
    case "If":
      return 0;
    case "Binary":
      return e.op === "**" ? POW : PREC[e.op]!;
    case "Unary":
      return UNARY;
    default:
      return POSTFIX;
  }
}

const MULTILINE = new Set(["Block", "Interface", "Forward", "IfMember"]);

class Printer {
  private next = 0;

  constructor(
    private readonly comments: A.Comment[],
    private readonly text: string,
  ) {}

  // ------------------------------------------------------------------ comments

  private pending(before: number): A.Comment[] {
    const out: A.Comment[] = [];
    while (this.next < this.comments.length && this.comments[this.next]!.span.start < before) {
      out.push(this.comments[this.next++]!);
    }
    return out;
  }

  private hasCommentsWithin(start: number, end: number): boolean {
    for (let i = this.next; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      if (c.span.start >= end) return false;
      if (c.span.start >= start) return true;
    }
    return false;
  }

  private commentDoc(c: A.Comment): Doc {
    // Continuation lines of a block comment are printed as written (re-indenting them would
    // change the comment on every run).
    const lines = c.text.split("\n");
    return lines.length === 1 ? c.text : join(literalline, lines);
  }

  /** True when the source has a blank line between the two offsets. */
  private blankBetween(from: number, to: number): boolean {
    if (!this.text || from >= to) return false;
    return /\n[ \t\r]*\n/.test(this.text.slice(from, to));
  }

  /** Comments that precede `start`, each on its own line, keeping single blank lines. */
  private leading(start: number): Doc[] {
    const parts: Doc[] = [];
    const batch = this.pending(start);
    batch.forEach((c, i) => {
      parts.push(this.commentDoc(c), hardline);
      const next = batch[i + 1]?.span.start ?? start;
      // A `///` comment that documents nothing (it was inside an expression or after code) must
      // not become the doc of the item printed below it: a blank line keeps it detached.
      const detach =
        c.text.startsWith("///") && !c.text.startsWith("////") && i === batch.length - 1;
      if (detach || this.blankBetween(c.span.end, next)) parts.push(hardline);
    });
    return parts;
  }

  /** Where the next printed thing starts: the next pending comment or `start`. */
  private nextStart(start: number): number {
    const c = this.comments[this.next];
    return c && c.span.start < start ? c.span.start : start;
  }

  /** A comment after `end` on the same line (only spaces or separators in between). */
  private trailing(end: number): Doc[] {
    const parts: Doc[] = [];
    let from = end;
    while (this.next < this.comments.length) {
      const c = this.comments[this.next]!;
      // Only a comment after `end` (one inside the item is not trailing) with nothing but
      // spaces and separators in between.
      if (
        !this.text ||
        c.span.start < from ||
        !/^[ \t,;]*$/.test(this.text.slice(from, c.span.start))
      )
        break;
      parts.push(lineSuffix([" ", this.commentDoc(c)]));
      if (c.kind === "LineComment" || c.kind === "DocComment") parts.push(breakParent);
      this.next++;
      from = c.span.end;
    }
    return parts;
  }

  private docLines(d: string | undefined): Doc[] {
    if (d === undefined) return [];
    return d.split("\n").flatMap((l) => [l === "" ? "///" : `/// ${l}`, hardline]);
  }

  /**
   * Items one per line. `blank(a, b)` says whether two neighbours are always separated by a blank
   * line; otherwise a blank line in the source is kept. Comments up to `end` are flushed at the end.
   */
  private sequence<N extends { span: A.Span; doc?: string; kind: string }>(
    items: N[],
    print: (n: N) => Doc,
    end: number,
    blank: (a: N, b: N) => boolean,
  ): Doc[] {
    const parts: Doc[] = [];
    let prevEnd = -1;
    items.forEach((item, i) => {
      if (i > 0) {
        parts.push(hardline);
        const prev = items[i - 1]!;
        if (blank(prev, item) || this.blankBetween(prevEnd, this.nextStart(item.span.start)))
          parts.push(hardline);
      }
      parts.push(
        ...this.leading(item.span.start),
        ...this.docLines(item.doc),
        print(item),
        ...this.trailing(item.span.end),
      );
      prevEnd = item.span.end;
    });
    const rest = this.pending(end);
    rest.forEach((c, i) => {
      if (parts.length > 0) parts.push(hardline);
      const from = i === 0 ? prevEnd : rest[i - 1]!.span.end;
      if (parts.length > 1 && this.blankBetween(from, c.span.start)) parts.push(hardline);
      parts.push(this.commentDoc(c));
    });
    return parts;
  }

  /** `open item, item, ... close` that breaks one item per line (with a trailing comma) when long. */
  private list<N extends { span: A.Span; doc?: string }>(
    open: string,
    close: string,
    items: N[],
    print: (n: N) => Doc,
    end: number,
  ): Doc {
    const first = items[0];
    if (!first) {
      const inner = this.pending(end);
      if (inner.length === 0) return open + close;
      return group([
        open,
        indent([
          hardline,
          join(
            hardline,
            inner.map((c) => this.commentDoc(c)),
          ),
        ]),
        hardline,
        close,
      ]);
    }
    const withComments =
      items.some((i) => i.doc !== undefined) || this.hasCommentsWithin(first.span.start, end);
    const parts: Doc[] = [];
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      parts.push(
        ...this.leading(item.span.start),
        ...this.docLines(item.doc),
        print(item),
        last ? ifBreak(",") : ",",
        ...this.trailing(item.span.end),
      );
      if (!last) parts.push(line);
    });
    const tail = this.pending(end).flatMap((c) => [hardline, this.commentDoc(c)]);
    return group([
      open,
      indent([softline, ...parts, ...tail]),
      softline,
      close,
      withComments ? breakParent : "",
    ]);
  }

  // ------------------------------------------------------------------ declarations

  module(m: A.Module): Doc {
    const items = this.sequence(
      m.items,
      (i) => this.topLevel(i),
      Number.POSITIVE_INFINITY,
      (a, b) => {
        if (MULTILINE.has(a.kind) || MULTILINE.has(b.kind)) return true;
        if (a.kind === "Fn" && !(a as A.FnDecl).short) return true;
        if (b.kind === "Fn" && !(b as A.FnDecl).short) return true;
        // Without source text (a generated tree), different kinds of one-liners get a blank line.
        return !this.text && a.kind !== b.kind;
      },
    );
    return [...items, hardline];
  }

  private topLevel(item: A.TopLevel): Doc {
    switch (item.kind) {
      case "Import":
        return this.importDecl(item);
      case "Block":
        return this.blockDecl(item);
      case "Interface":
        return this.interfaceDecl(item);
      case "Fn":
        return this.fnDecl(item);
      case "Model":
        return this.modelDecl(item);
      case "Let":
        return this.letDecl(item);
    }
  }

  private importDecl(d: A.ImportDecl): Doc {
    if (d.names) {
      const [open, close] = d.names.length === 0 ? ["{", "}"] : ["{ ", " }"];
      const names = this.list(
        open,
        close,
        d.names,
        (n) => (n.alias ? `${n.name.name} as ${n.alias.name}` : n.name.name),
        d.path.span.start,
      );
      return ["import ", names, " from ", d.path.raw];
    }
    return ["import ", d.path.raw, d.alias ? ` as ${d.alias.name}` : ""];
  }

  private params(ps: A.ParamDecl[], end: number): Doc {
    return this.list("(", ")", ps, (p) => this.paramDecl(p), end);
  }

  private paramDecl(p: A.ParamDecl): Doc {
    return [
      p.name.name,
      p.type ? [": ", this.type(p.type)] : "",
      p.default ? [" = ", this.expr(p.default)] : "",
    ];
  }

  /** End offset of a parameter list: the start of what follows it. */
  private paramsEnd(ps: A.ParamDecl[], fallback: number): number {
    const last = ps[ps.length - 1];
    if (!last || !this.text) return fallback;
    const close = this.text.indexOf(")", last.span.end);
    return close < 0 ? fallback : close;
  }

  private braced(members: Doc[]): Doc {
    if (members.length === 0) return "{}";
    return ["{", indent([hardline, ...members]), hardline, "}"];
  }

  private blockDecl(b: A.BlockDecl): Doc {
    const head: Doc[] = ["block ", b.name.name];
    if (b.params.length > 0) head.push(this.params(b.params, this.paramsEnd(b.params, b.span.end)));
    head.push(" ");
    return [...head, this.braced(this.members(b.members, b.span.end))];
  }

  private members(ms: A.Member[], end: number): Doc[] {
    return this.sequence(
      ms,
      (m) => this.member(m),
      end - 1,
      (a, b) => a.kind === "Forward" || b.kind === "Forward",
    );
  }

  private interfaceDecl(d: A.InterfaceDecl): Doc {
    const head: Doc[] = ["interface ", d.name.name];
    if (d.params.length > 0) head.push(this.params(d.params, this.paramsEnd(d.params, d.span.end)));
    head.push(" ");
    const members = d.forward
      ? this.sequence(
          [d.forward],
          (f) => this.forward(f),
          d.span.end - 1,
          () => false,
        )
      : this.sequence(
          [],
          () => "",
          d.span.end - 1,
          () => false,
        );
    return [...head, this.braced(members)];
  }

  private fnDecl(f: A.FnDecl): Doc {
    const head: Doc[] = [
      "fn ",
      f.name.name,
      this.params(f.params, this.paramsEnd(f.params, f.span.end)),
    ];
    if (f.outputs) head.push(" -> ", this.outputs(f.outputs));
    const ret = f.body[0];
    if (f.short && f.body.length === 1 && ret?.kind === "Return") {
      return group([...head, " =", indent([line, this.expr(ret.value)])]);
    }
    return [...head, " ", this.braced(this.statements(f.body, f.span.end))];
  }

  private modelDecl(m: A.ModelDecl): Doc {
    const parts: Doc[] = ["model ", m.name.name, " = ", this.expr(m.value)];
    if (m.sizes.length > 0) {
      parts.push(
        " with ",
        join(
          ", ",
          m.sizes.map((s) => [s.name.name, " = ", this.expr(s.value)]),
        ),
      );
    }
    return group(parts);
  }

  // ------------------------------------------------------------------ members and statements

  private member(m: A.Member): Doc {
    switch (m.kind) {
      case "Param":
        return group([
          "param ",
          m.name.name,
          ": ",
          this.type(m.type),
          m.init ? [" = ", this.expr(m.init)] : "",
        ]);
      case "Layer":
        return group(["layer ", m.name.name, " = ", this.layerValue(m.value)]);
      case "Let":
        return this.letDecl(m);
      case "Requires":
        return this.requires(m);
      case "Tie":
        return ["tie ", this.expr(m.target), " = ", this.expr(m.source)];
      case "IfMember":
        return this.ifMember(m);
      case "Forward":
        return this.forward(m);
    }
  }

  private layerValue(v: A.LayerValue): Doc {
    if (v.kind === "Repeat") {
      return [
        "repeat ",
        v.index.name,
        " in ",
        this.expr(v.from),
        "..",
        this.expr(v.to),
        " => ",
        this.expr(v.body),
      ];
    }
    if (v.kind === "Stack") return ["stack ", this.expr(v.count), " of ", this.expr(v.body)];
    return this.expr(v);
  }

  private letDecl(l: A.LetDecl): Doc {
    const pattern =
      l.pattern.kind === "Ident"
        ? l.pattern.name
        : [
            "(",
            join(
              ", ",
              l.pattern.names.map((n) => n.name),
            ),
            l.pattern.names.length === 1 ? "," : "",
            ")",
          ];
    return group([
      "let ",
      pattern,
      l.type ? [": ", this.type(l.type)] : "",
      " = ",
      this.expr(l.value),
    ]);
  }

  private requires(r: A.RequiresDecl): Doc {
    return group(["requires ", this.expr(r.cond), r.message ? [" else ", r.message.raw] : ""]);
  }

  private ifMember(m: A.IfMember): Doc {
    const parts: Doc[] = [
      "if ",
      this.expr(m.cond),
      " ",
      this.braced(this.members(m.then, m.thenSpan.end)),
    ];
    if (m.else) {
      const only = m.else[0];
      if (m.else.length === 1 && only?.kind === "IfMember")
        parts.push(" else ", this.ifMember(only));
      else parts.push(" else ", this.braced(this.members(m.else, m.span.end)));
    }
    return parts;
  }

  private forward(f: A.ForwardDecl): Doc {
    const head: Doc[] = ["forward", this.params(f.inputs, this.paramsEnd(f.inputs, f.span.end))];
    if (f.outputs) head.push(" -> ", this.outputs(f.outputs));
    if (!f.body) return head;
    return [...head, " ", this.braced(this.statements(f.body, f.span.end))];
  }

  private outputs(o: A.Outputs): Doc {
    const spec = (s: A.OutputSpec): Doc => [s.name ? [s.name.name, ": "] : "", this.type(s.type)];
    if (!o.parenthesized && o.items.length === 1) return spec(o.items[0]!);
    return this.list("(", ")", o.items, spec, o.span.end - 1);
  }

  private statements(ss: A.Stmt[], end: number): Doc[] {
    return this.sequence(
      ss,
      (s) => this.statement(s),
      end - 1,
      () => false,
    );
  }

  private statement(s: A.Stmt): Doc {
    switch (s.kind) {
      case "Let":
        return this.letDecl(s);
      case "Requires":
        return this.requires(s);
      case "Return":
        return group(["return ", this.expr(s.value)]);
    }
  }

  // ------------------------------------------------------------------ types

  private type(t: A.TypeExpr): Doc {
    switch (t.kind) {
      case "TensorType":
        return [
          t.dtype ? t.dtype.name : "",
          this.list("[", "]", t.dims, (d) => this.dim(d), t.span.end - 1),
        ];
      case "NamedType":
        return t.args ? [t.name.name, this.args(t.args, t.span.end - 1)] : t.name.name;
      case "EnumType":
        return [
          "enum ",
          t.members.length === 0
            ? "{}"
            : [
                "{ ",
                join(
                  ", ",
                  t.members.map((m) => m.name),
                ),
                " }",
              ],
        ];
      case "TupleType":
        return [
          "(",
          join(
            ", ",
            t.elems.map((e) => this.type(e)),
          ),
          t.elems.length === 1 ? "," : "",
          ")",
        ];
    }
  }

  private dim(d: A.DimElem): Doc {
    if (d.kind === "VariadicDim") return ["...", d.name ? d.name.name : ""];
    return this.expr(d);
  }

  // ------------------------------------------------------------------ expressions

  private args(args: A.Arg[], end: number): Doc {
    return this.list(
      "(",
      ")",
      args,
      (a) => (a.name ? [a.name.name, " = ", this.expr(a.value)] : this.expr(a.value)),
      end,
    );
  }

  private paren(e: A.Expr, needs: boolean): Doc {
    return needs ? ["(", this.expr(e), ")"] : this.expr(e);
  }

  expr(e: A.Expr): Doc {
    switch (e.kind) {
      case "Number":
        return e.raw;
      case "String":
        return e.raw;
      case "Bool":
        return e.value ? "true" : "false";
      case "Name":
        return e.name;
      case "Error":
        return "<error>";
      case "Unary":
        return [e.op, this.paren(e.operand, prec(e.operand) < UNARY)];
      case "Binary": {
        const p = prec(e);
        if (e.op === "**") {
          // Right-associative and tighter than prefix operators: (-a) ** b, a ** -b.
          return [
            this.paren(e.left, prec(e.left) <= POW),
            " ** ",
            this.paren(e.right, prec(e.right) < UNARY),
          ];
        }
        const cmp = p === PREC["=="];
        const left = this.paren(e.left, prec(e.left) < p || (cmp && prec(e.left) === p));
        const right = this.paren(e.right, prec(e.right) <= p);
        return [left, " ", e.op, " ", right];
      }
      case "If":
        // Broken, the branches go on their own lines: `if c` / `then a` / `else b`. An `if` in a
        // condition or branch needs no parentheses (`then` and `else` delimit it), and adding
        // them could push nesting past the parser's limit.
        return group([
          "if ",
          this.expr(e.cond),
          indent([line, "then ", this.expr(e.then), line, "else ", this.expr(e.else)]),
        ]);
      case "Call":
        return [this.paren(e.callee, prec(e.callee) < POSTFIX), this.args(e.args, e.span.end - 1)];
      case "Member":
        return [this.paren(e.object, prec(e.object) < POSTFIX), ".", e.name.name];
      case "Index":
        return [
          this.paren(e.object, prec(e.object) < POSTFIX),
          this.list("[", "]", e.indices, (i) => this.indexElem(i), e.span.end - 1),
        ];
      case "Tuple":
        if (e.elems.length === 1) return ["(", this.expr(e.elems[0]!), ",)"];
        return this.list("(", ")", e.elems, (x) => this.expr(x), e.span.end - 1);
      case "List":
        return this.list("[", "]", e.elems, (x) => this.expr(x), e.span.end - 1);
    }
  }

  private indexElem(i: A.IndexElem): Doc {
    if (i.kind === "EllipsisIndex") return "...";
    if (i.kind === "Slice") {
      const parts: Doc[] = [
        i.start ? this.expr(i.start) : "",
        ":",
        i.stop ? this.expr(i.stop) : "",
      ];
      if (i.step) parts.push(":", this.expr(i.step));
      return parts;
    }
    return this.expr(i);
  }
}
