/**
 * WGSL kernel module → CUDA C++. archc's kernel generators (compiler/codegen/wgsl) write every
 * kernel once, in a small C-like subset of WGSL (spec/runtime.md, "CUDA"); this printer turns a
 * schedule kernel's module into a CUDA kernel, token by token, keeping the layout, the comments
 * and WGSL's names, whose meanings `support/archc_kernel.h` defines for CUDA. What it changes:
 *
 * - declarations: `let x = e` → `const auto x = e`, `var x: T` → `T x = {}` (WGSL zero-fills),
 *   `var a: array<T, N>` → `T a[N] = {}`, `var<workgroup>` → `__shared__`;
 * - types and constructors: `vec4<f32>` → `vec4f`, `u32(x)` → `to_u32(x)`,
 *   `bitcast<f32>(x)` → `bitcast_f32(x)`; literals `1i` → `1`, `0.5` → `0.5f`;
 * - `loop` → `for (;;)`, `switch e` → `switch (e)`, `workgroupBarrier()` → `__syncthreads()`;
 * - the module's bindings become the fields of a struct, after `Dims dims`, and its functions
 *   that struct's member functions, so that they see the bindings as in WGSL.
 *
 * Anything outside the subset is a CodegenError naming the kernel: a construct this printer does
 * not know is never passed through to nvcc to be misread.
 */
import { CodegenError } from "../wgsl/context.js";
import { PRELUDE } from "../wgsl/prelude.js";
import { commentText } from "../wgsl/wgsl.js";

interface Token {
  kind: "id" | "num" | "punct" | "comment";
  text: string;
  /** The whitespace before the token, kept so the CUDA reads like the WGSL. */
  pre: string;
}

/** One binding of the kernel, as a CUDA parameter. */
export interface CudaParam {
  name: string;
  /** `const f32*`, `vec4f*`, ... */
  type: string;
  writes: boolean;
}

export interface CudaKernel {
  /** Module-scope declarations (`__shared__` arrays, constants, comments), in CUDA. */
  module: string;
  /**
   * The module's functions, as member functions of the kernel's struct: in WGSL they see the
   * module's bindings, which are the struct's fields in CUDA.
   */
  functions: string;
  params: CudaParam[];
  workgroupSize: number;
  /** The body of the kernel function, in CUDA (it may use `wg`, `lid`, `gid`, `dims`). */
  body: string;
  /** Whether the kernel calls `__syncthreads()` (its threads must run as a block). */
  barriers: boolean;
}

const PUNCT = [
  "->", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "++", "--", "+=", "-=", "*=", "/=", "%=",
  "&=", "|=", "^=", "(", ")", "{", "}", "[", "]", "<", ">", ",", ";", ":", ".", "=", "+", "-",
  "*", "/", "%", "!", "&", "|", "^", "~", "@",
]; // prettier-ignore

const NUMBER =
  /^(?:0[xX][0-9a-fA-F]+[iu]?|(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?f?|\d+[eE][+-]?\d+f?|\d+[iuf]?)/;

function lex(src: string, kernel: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ws = /^\s*/.exec(src.slice(i))![0];
    i += ws.length;
    if (i >= src.length) break;
    const rest = src.slice(i, i + 200);
    let m: RegExpExecArray | null;
    let tok: Token;
    if (rest.startsWith("//")) {
      const end = src.indexOf("\n", i);
      tok = { kind: "comment", text: src.slice(i, end < 0 ? src.length : end), pre: ws };
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      tok = { kind: "id", text: m[0], pre: ws };
    } else if ((m = NUMBER.exec(rest))) {
      tok = { kind: "num", text: m[0], pre: ws };
    } else {
      const p = PUNCT.find((q) => rest.startsWith(q));
      if (!p) throw new CodegenError(`${kernel}: cannot print '${rest[0]}' for CUDA`);
      tok = { kind: "punct", text: p, pre: ws };
    }
    out.push(tok);
    i += tok.text.length;
  }
  return out;
}

/** WGSL builtins called by their own name: archc_kernel.h defines them with WGSL's meaning. */
const BUILTINS = new Set([
  "select", "min", "max", "clamp", "abs", "sign", "exp", "exp2", "log", "log2", "sqrt",
  "inverseSqrt", "sin", "cos", "tanh", "floor", "ceil", "trunc", "pow", "fma", "dot",
]); // prettier-ignore

/** Names C++ or CUDA reserve that a WGSL identifier might use; they get a trailing `_`. */
const RESERVED = new Set([
  "alignas", "alignof", "asm", "auto", "char", "catch", "class", "const_cast", "constexpr",
  "decltype", "delete", "double", "dynamic_cast", "enum", "explicit", "export", "extern", "float",
  "float2", "float4", "friend", "goto", "inline", "int", "long", "mutable", "namespace", "new",
  "noexcept", "nullptr", "operator", "private", "protected", "public", "register",
  "reinterpret_cast", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
  "template", "this", "throw", "try", "typedef", "typeid", "typename", "union", "unsigned",
  "using", "virtual", "void", "volatile", "wchar_t", "blockIdx", "threadIdx", "blockDim",
  "gridDim", "warpSize", "kernel", "Kernel", "run", "archc", "to_f32", "to_i32", "to_u32",
  "make_float2", "make_float4", "bitcast_f32", "bitcast_i32", "bitcast_u32", "uint3",
]); // prettier-ignore

const SCALARS: Record<string, string> = { f32: "f32", i32: "i32", u32: "u32", bool: "bool" };

/** Prints one schedule kernel's WGSL module for CUDA. */
export function translateKernel(wgsl: string, kernel: string): CudaKernel {
  return new Printer(lex(wgsl, kernel), kernel).module();
}

/** The prelude's helpers in CUDA (inf/nan are archc_kernel.h's own), printed once per file. */
export function translatePrelude(): string {
  const helpers = Object.entries(PRELUDE)
    .filter(([name]) => name !== "inf_f32" && name !== "nan_f32")
    .map(([, text]) => text)
    .join("\n\n");
  const k = new Printer(lex(helpers, "prelude"), "prelude").module(false);
  return k.module;
}

class Printer {
  private i = 0;
  private barriers = false;

  constructor(
    private readonly toks: Token[],
    private readonly kernel: string,
  ) {}

  private fail(what: string): never {
    const t = this.toks[this.i];
    throw new CodegenError(
      `${this.kernel}: cannot print ${what} for CUDA${t ? ` (at '${t.text}')` : ""}`,
    );
  }
  private peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  private is(text: string, k = 0): boolean {
    return this.toks[this.i + k]?.text === text;
  }
  private next(): Token {
    const t = this.toks[this.i++];
    if (!t) this.fail("a module that ends early");
    return t;
  }
  private expect(text: string): Token {
    const t = this.next();
    if (t.text !== text) {
      this.i--;
      this.fail(`'${t.text}' where '${text}' belongs`);
    }
    return t;
  }
  private ident(): string {
    const t = this.next();
    if (t.kind !== "id") {
      this.i--;
      this.fail("a name");
    }
    return safeName(t.text);
  }

  /** The whole module: top-level items, then the entry point (unless `entry` is false). */
  module(entry = true): CudaKernel {
    const module: string[] = [];
    const functions: string[] = [];
    const params: CudaParam[] = [];
    let workgroupSize = 0;
    let body = "";
    while (this.i < this.toks.length) {
      const t = this.peek()!;
      if (t.kind === "comment") {
        module.push(comment(this.next()));
      } else if (t.text === "struct") {
        this.skipStruct();
      } else if (t.text === "@" && this.is("group", 1)) {
        const p = this.binding();
        if (p) params.push(p);
      } else if (t.text === "@" && this.is("compute", 1)) {
        if (!entry) this.fail("an entry point in the prelude");
        workgroupSize = this.entryHeader();
        body = dedent(this.block(1));
      } else if (t.text === "var" && this.is("<", 1)) {
        const decl = this.moduleVar();
        if (decl) module.push(decl);
      } else if (t.text === "fn") {
        const fn = this.fn(entry);
        if (fn) (entry ? functions : module).push(fn);
      } else if (t.text === "const") {
        module.push(`${this.statementUntil(";").trim()}`);
      } else {
        this.fail(`'${t.text}' at module scope`);
      }
    }
    if (entry && workgroupSize === 0) this.fail("a module without an entry point");
    return {
      module: module.join("\n").trim(),
      functions: functions.join("\n").trim(),
      params,
      workgroupSize,
      body,
      barriers: this.barriers,
    };
  }

  /** `struct Dims { ... }`: the dims are the kernel's first parameter instead. */
  private skipStruct(): void {
    this.expect("struct");
    if (this.ident() !== "Dims") this.fail("a struct other than Dims");
    this.expect("{");
    while (!this.is("}")) this.next();
    this.expect("}");
  }

  /** `@group(0) @binding(N) var<storage, read> name: array<T>;` → a parameter. */
  private binding(): CudaParam | undefined {
    for (const w of ["@", "group", "(", "0", ")", "@", "binding", "("]) this.expect(w);
    this.next();
    this.expect(")");
    this.expect("var");
    if (this.is("<")) {
      this.next();
      const space = this.next().text;
      let access = "read";
      if (this.is(",")) {
        this.next();
        access = this.next().text;
      }
      this.expect(">");
      const name = this.ident();
      this.expect(":");
      if (space === "uniform") {
        this.skipTo(";");
        return undefined; // `dims`
      }
      if (space !== "storage") this.fail(`a '${space}' binding`);
      this.expect("array");
      this.expect("<");
      const elem = this.type();
      this.closeAngle();
      this.expect(";");
      const writes = access === "read_write";
      return { name, type: `${writes ? "" : "const "}${elem}*`, writes };
    }
    this.fail("a texture binding (the CUDA target reads every operand from buffers)");
  }

  /** `@compute @workgroup_size(N) fn main(...) {` and WGSL's two index lines; returns N. */
  private entryHeader(): number {
    this.expect("@");
    this.expect("compute");
    this.expect("@");
    this.expect("workgroup_size");
    this.expect("(");
    const n = Number.parseInt(this.next().text, 10);
    this.expect(")");
    this.expect("fn");
    this.expect("main");
    this.skipBalanced("(", ")");
    this.expect("{");
    // `let wg = ...; let gid = ...;`: the kernel's prologue defines both from CUDA's indices.
    for (const name of ["wg", "gid"]) {
      if (this.is("let") && this.is(name, 1)) this.skipTo(";");
    }
    if (!Number.isInteger(n) || n <= 0 || n > 1024) this.fail(`workgroup size ${n}`);
    return n;
  }

  /** `var<workgroup> a: array<T, N>;` → `__shared__ T a[N];`; the prelude's bit patterns go. */
  private moduleVar(): string | undefined {
    const start = this.peek()!;
    this.expect("var");
    this.expect("<");
    const space = this.next().text;
    this.expect(">");
    const name = this.ident();
    this.expect(":");
    if (space === "private" && /^(inf|nan)_bits$/.test(name)) {
      this.skipTo(";");
      return undefined;
    }
    if (space !== "workgroup") this.fail(`a module-scope var<${space}>`);
    const { elem, count } = this.arrayType();
    this.expect(";");
    return `${start.pre.replace(/^\n+/, "")}__shared__ ${elem} ${name}[${count}];`;
  }

  /**
   * `fn f(a: T) -> R { ... }`, as a member function (`member`) or a free one; the prelude's own
   * functions come from the shared prelude.
   */
  private fn(member: boolean): string | undefined {
    const start = this.next(); // fn
    const name = this.ident();
    if (this.kernel !== "prelude" && Object.hasOwn(PRELUDE, name)) {
      this.skipBalanced("(", ")");
      while (!this.is("{")) this.next();
      this.skipBalanced("{", "}");
      return undefined;
    }
    this.expect("(");
    const params: string[] = [];
    while (!this.is(")")) {
      const p = this.ident();
      this.expect(":");
      params.push(`${this.type()} ${p}`);
      if (this.is(",")) this.next();
    }
    this.expect(")");
    let ret = "void";
    if (this.is("->")) {
      this.next();
      ret = this.type();
    }
    this.expect("{");
    const body = this.block(1);
    const qualifier = member ? " const" : "";
    return `${start.pre.replace(/^\n+/, "")}ARCHC_FN ${ret} ${name}(${params.join(", ")})${qualifier} {${body}}`;
  }

  /** A WGSL type as CUDA: scalars keep their names, vectors are CUDA's vector types. */
  private type(): string {
    const t = this.ident();
    if (SCALARS[t]) return SCALARS[t];
    if (t === "vec2f" || t === "vec4f") return t;
    if (t === "vec2" || t === "vec4") {
      this.expect("<");
      const e = this.type();
      this.closeAngle();
      if (e !== "f32") this.fail(`vec${t.slice(3)}<${e}>`);
      return `${t}f`;
    }
    this.fail(`type '${t}'`);
  }

  /** `array<T, N>` (the `array` keyword next). */
  private arrayType(): { elem: string; count: string } {
    this.expect("array");
    this.expect("<");
    const elem = this.type();
    this.expect(",");
    const n = this.next();
    if (n.kind !== "num") this.fail("an array size that is not a number");
    this.closeAngle();
    return { elem, count: n.text.replace(/[iu]$/, "") };
  }

  /** A closing `>`, also when lexed inside `>>` (`array<vec4<f32>>`). */
  private closeAngle(): void {
    const t = this.peek();
    if (t?.text === ">>") {
      t.text = ">";
      t.pre = "";
      return;
    }
    this.expect(">");
  }

  private skipTo(text: string): void {
    while (!this.is(text)) this.next();
    this.next();
  }

  private skipBalanced(open: string, close: string): void {
    this.expect(open);
    for (let depth = 1; depth > 0;) {
      const t = this.next().text;
      if (t === open) depth++;
      else if (t === close) depth--;
    }
  }

  /** Statements up to the `}` closing a block whose `{` was just read; returns their CUDA. */
  private block(depth: number): string {
    let out = "";
    for (let d = depth; ;) {
      const t = this.peek();
      if (!t) this.fail("an unclosed block");
      if (t.text === "}") {
        d--;
        if (d === 0) {
          out += this.next().pre;
          return out;
        }
      }
      if (t.text === "{") d++;
      out += this.token();
    }
  }

  /** Tokens up to and including `end` at depth 0, printed. */
  private statementUntil(end: string): string {
    let out = "";
    while (!this.is(end)) out += this.token();
    return out + this.print(this.next());
  }

  private print(t: Token, text = t.text): string {
    return t.pre + text;
  }

  /** Prints the next construct starting at the current token. */
  private token(): string {
    const t = this.next();
    if (t.kind === "comment") return t.pre + comment(t);
    if (t.kind === "num") return this.print(t, number(t.text));
    if (t.kind === "punct") return this.print(t);
    switch (t.text) {
      case "let":
      case "var":
      case "const":
        return this.declaration(t);
      case "loop":
        return this.print(t, "for (;;)");
      case "switch": {
        let cond = "";
        while (!this.is("{")) cond += this.token();
        return `${t.pre}switch (${cond.trim()})`;
      }
      case "workgroupBarrier":
        this.barriers = true;
        return this.print(t, "__syncthreads");
      case "bitcast": {
        this.expect("<");
        const to = this.type();
        this.closeAngle();
        return this.print(t, `bitcast_${to}`);
      }
      case "f32":
      case "i32":
      case "u32":
        if (!this.is("(")) this.fail(`'${t.text}' outside a conversion`);
        return this.print(t, `to_${t.text}`);
      case "vec2":
      case "vec4": {
        this.i--;
        const ty = this.type();
        if (!this.is("(")) this.fail(`'${ty}' outside a constructor`);
        return this.print(t, ty);
      }
      case "vec4f":
      case "vec2f":
        return this.print(t);
      case "true":
      case "false":
      case "if":
      case "else":
      case "for":
      case "while":
      case "return":
      case "break":
      case "continue":
      case "case":
      case "default":
        return this.print(t);
      case "continuing":
      case "ptr":
      case "fn":
      case "struct":
      case "array":
      case "discard":
        this.i--;
        this.fail(`'${t.text}' inside a function`);
    }
    if (this.is("(") && !BUILTINS.has(t.text) && /^[a-z][a-zA-Z0-9]*[A-Z]/.test(t.text))
      this.fail(`a call of WGSL builtin '${t.text}'`);
    if (this.is(".", -2) && this.toks[this.i - 3]?.text !== "dims") {
      // A member: a vector component.
      if (!/^[xyzw]$/.test(t.text)) this.fail(`member '.${t.text}'`);
      return this.print(t);
    }
    return this.print(t, safeName(t.text));
  }

  /** `let`/`var`/`const` declarations (also in `for (var i = 0u; ...)`). */
  private declaration(kw: Token): string {
    if (kw.text === "var" && this.is("<")) this.fail("a var<...> inside a function");
    // WGSL accepts a name never used (generated index code often has some); nvcc warns.
    const unused = this.usedLater(this.peek()?.text ?? "") ? "" : "[[maybe_unused]] ";
    const pre = kw.pre + unused;
    const name = this.ident();
    if (this.is(":")) {
      this.next();
      if (this.is("array")) {
        if (kw.text !== "var") this.fail(`a ${kw.text} array`);
        const { elem, count } = this.arrayType();
        if (!this.is(";")) this.fail("an array with an initializer");
        return `${pre}${elem} ${name}[${count}] = {}`;
      }
      const type = this.type();
      if (kw.text === "var" && this.is(";")) return `${pre}${type} ${name} = {}`;
      return `${pre}${kw.text === "var" ? "" : "const "}${type} ${name}`;
    }
    if (kw.text === "var" && this.is(";")) this.fail(`'var ${name}' without a type`);
    if (this.is("=") && this.is("array", 1)) {
      // `var a = array<T, N>(x, y, ...)` → `T a[N] = {x, y, ...}`
      this.next();
      const { elem, count } = this.arrayType();
      this.expect("(");
      let args = "";
      for (let depth = 0; depth > 0 || !this.is(")");) {
        if (this.is("(")) depth++;
        if (this.is(")")) depth--;
        args += this.token();
      }
      this.expect(")");
      return `${pre}${kw.text === "var" ? "" : "const "}${elem} ${name}[${count}] = {${args.trim()}}`;
    }
    return `${pre}${kw.text === "var" ? "" : "const "}auto ${name}`;
  }

  /** Whether `name` occurs after the declaration being read, before its block closes. */
  private usedLater(name: string): boolean {
    let depth = 0;
    for (let j = this.i + 1; j < this.toks.length; j++) {
      const t = this.toks[j]!;
      if (t.text === "{") depth++;
      else if (t.text === "}" && --depth < 0) return false;
      else if (t.kind === "id" && t.text === name) return true;
    }
    return false;
  }
}

/** Text without its leading blank lines, trailing space, and common indentation. */
function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, "")
    .trimEnd()
    .split("\n");
  const depth = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(Number.isFinite(depth) ? depth : 0)).join("\n");
}

/** A WGSL number as a C++ literal of the same type. */
function number(text: string): string {
  if (/^0[xX]/.test(text)) return text.replace(/i$/, "");
  if (text.endsWith("i")) return text.slice(0, -1);
  if (text.endsWith("u")) return text;
  if (/[.eE]/.test(text) || text.endsWith("f")) {
    const body = text.replace(/f$/, "");
    return `${/[.eE]/.test(body) ? body : `${body}.0`}f`;
  }
  return text;
}

/** Identifiers C++ reserves get a trailing underscore; WGSL never ends a name with one here. */
function safeName(name: string): string {
  return RESERVED.has(name) || name.startsWith("__") ? `${name}_` : name;
}

/** A line comment, kept, through `commentText`. */
function comment(t: Token): string {
  return `//${commentText(t.text.slice(2))}`;
}
