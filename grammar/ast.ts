/**
 * The .arch syntax tree. Every node has a `kind` and a `span` into its file's text; the tree is
 * plain data (JSON-serializable), so passes can be pure functions and tests can compare trees.
 * The grammar that produces it is in grammar/parser.ts; spec/language.md describes the language.
 */
import type { Span } from "../compiler/diagnostics/source.js";

export type { Span };

export interface Ident {
  kind: "Ident";
  name: string;
  span: Span;
}

/** A comment kept on the tree: `//`, `/* */ ` or a `; ///` doc comment. */
export interface Comment {
  kind: "LineComment" | "BlockComment" | "DocComment";
  text: string;
  span: Span;
  /** A doc comment that became the `doc` of the node after it (printed from there). */
  attached?: boolean;
}

export interface Module {
  kind: "Module";
  /** The path the module was read from (as given to the parser). */
  file: string;
  items: TopLevel[];
  comments: Comment[];
  span: Span;
}

export type TopLevel = ImportDecl | BlockDecl | InterfaceDecl | FnDecl | ModelDecl | LetDecl;

export interface ImportDecl {
  kind: "Import";
  path: StringLit;
  /** `import "std/nn" as nn`. */
  alias?: Ident;
  /** `import { a, b as c } from "..."`; absent for a whole-module import. */
  names?: ImportName[];
  span: Span;
}

export interface ImportName {
  kind: "ImportName";
  name: Ident;
  alias?: Ident;
  span: Span;
}

/** A hyperparameter, a function parameter or a forward input: `name: type = default`. */
export interface ParamDecl {
  kind: "ParamDecl";
  name: Ident;
  type?: TypeExpr;
  default?: Expr;
  doc?: string;
  span: Span;
}

export interface BlockDecl {
  kind: "Block";
  name: Ident;
  params: ParamDecl[];
  members: Member[];
  doc?: string;
  span: Span;
}

export interface InterfaceDecl {
  kind: "Interface";
  name: Ident;
  params: ParamDecl[];
  /** The forward signature (its body is empty). */
  forward?: ForwardDecl;
  doc?: string;
  span: Span;
}

export interface FnDecl {
  kind: "Fn";
  name: Ident;
  params: ParamDecl[];
  outputs?: Outputs;
  body: Stmt[];
  /** Written `fn f(x) = expr` (body is a single return). */
  short: boolean;
  doc?: string;
  span: Span;
}

export interface ModelDecl {
  kind: "Model";
  name: Ident;
  value: Expr;
  /** Example sizes of runtime dims: `with B = 2, T = 64`. */
  sizes: Binding[];
  doc?: string;
  span: Span;
}

export interface Binding {
  kind: "Binding";
  name: Ident;
  value: Expr;
  span: Span;
}

// ---- block members ----

export type Member =
  ParamMember | LayerMember | LetDecl | RequiresDecl | TieDecl | IfMember | ForwardDecl;

export interface ParamMember {
  kind: "Param";
  name: Ident;
  type: TensorType;
  init?: Expr;
  doc?: string;
  span: Span;
}

export interface LayerMember {
  kind: "Layer";
  name: Ident;
  value: LayerValue;
  doc?: string;
  span: Span;
}

export type LayerValue = Expr | RepeatValue | StackValue;

/** `repeat i in from..to => body` */
export interface RepeatValue {
  kind: "Repeat";
  index: Ident;
  from: Expr;
  to: Expr;
  body: Expr;
  span: Span;
}

/** `stack count of body` */
export interface StackValue {
  kind: "Stack";
  count: Expr;
  body: Expr;
  span: Span;
}

/** `let` at top level, block level (compile-time) or in a forward/fn body (tensor dataflow). */
export interface LetDecl {
  kind: "Let";
  pattern: Pattern;
  type?: TypeExpr;
  value: Expr;
  doc?: string;
  span: Span;
}

export type Pattern = Ident | TuplePattern;

export interface TuplePattern {
  kind: "TuplePattern";
  names: Ident[];
  span: Span;
}

export interface RequiresDecl {
  kind: "Requires";
  cond: Expr;
  message?: StringLit;
  span: Span;
}

/** `tie target = source`: the parameter at `target` is the tensor at `source`. */
export interface TieDecl {
  kind: "Tie";
  target: Expr;
  source: Expr;
  span: Span;
}

export interface IfMember {
  kind: "IfMember";
  cond: Expr;
  then: Member[];
  /** `else { ... }` members, or an `else if` chain (a single IfMember). */
  else?: Member[];
  /** The braces of the then-branch (for folding, and for placing comments inside it). */
  thenSpan: Span;
  span: Span;
}

export interface ForwardDecl {
  kind: "Forward";
  inputs: ParamDecl[];
  outputs?: Outputs;
  /** Absent in an interface's signature. */
  body?: Stmt[];
  doc?: string;
  span: Span;
}

export interface Outputs {
  kind: "Outputs";
  items: OutputSpec[];
  /** Written with parentheses: `-> (a: [..], b: [..])`. */
  parenthesized: boolean;
  span: Span;
}

export interface OutputSpec {
  kind: "OutputSpec";
  name?: Ident;
  type: TensorType;
  span: Span;
}

// ---- statements ----

export type Stmt = LetDecl | RequiresDecl | ReturnStmt;

export interface ReturnStmt {
  kind: "Return";
  value: Expr;
  span: Span;
}

// ---- types ----

export type TypeExpr = TensorType | NamedType | EnumType | TupleType;

export interface TensorType {
  kind: "TensorType";
  dtype?: Ident;
  dims: DimElem[];
  span: Span;
}

export type DimElem = Expr | VariadicDim;

/** `...S` or `...` */
export interface VariadicDim {
  kind: "VariadicDim";
  name?: Ident;
  span: Span;
}

/** `int`, `dim`, `block`, or an interface application `FFN(d)`. */
export interface NamedType {
  kind: "NamedType";
  name: Ident;
  args?: Arg[];
  span: Span;
}

export interface EnumType {
  kind: "EnumType";
  members: Ident[];
  span: Span;
}

export interface TupleType {
  kind: "TupleType";
  elems: TypeExpr[];
  span: Span;
}

// ---- expressions ----

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | Name
  | Unary
  | Binary
  | IfExpr
  | Call
  | Member_
  | Index
  | TupleExpr
  | ListExpr
  | ErrorExpr;

export interface NumberLit {
  kind: "Number";
  /** The source text (`1e-5`, `1_000`), kept so the formatter prints what was written. */
  raw: string;
  value: number;
  isFloat: boolean;
  span: Span;
}

export interface StringLit {
  kind: "String";
  /** The source text including quotes and escapes. */
  raw: string;
  /** The decoded value (escapes resolved). */
  value: string;
  span: Span;
}

export interface BoolLit {
  kind: "Bool";
  value: boolean;
  span: Span;
}

export interface Name {
  kind: "Name";
  name: string;
  span: Span;
}

export type UnaryOp = "-" | "!";

export interface Unary {
  kind: "Unary";
  op: UnaryOp;
  operand: Expr;
  span: Span;
}

export type BinaryOp =
  "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%" | "@" | "**";

export interface Binary {
  kind: "Binary";
  op: BinaryOp;
  left: Expr;
  right: Expr;
  span: Span;
}

export interface IfExpr {
  kind: "If";
  cond: Expr;
  then: Expr;
  else: Expr;
  span: Span;
}

export interface Arg {
  kind: "Arg";
  name?: Ident;
  value: Expr;
  span: Span;
}

export interface Call {
  kind: "Call";
  callee: Expr;
  args: Arg[];
  span: Span;
}

/** `object.name` (named Member_ because `Member` is a block member). */
export interface Member_ {
  kind: "Member";
  object: Expr;
  name: Ident;
  span: Span;
}

export type IndexElem = Expr | Slice | EllipsisIndex;

export interface Slice {
  kind: "Slice";
  start?: Expr;
  stop?: Expr;
  step?: Expr;
  span: Span;
}

export interface EllipsisIndex {
  kind: "EllipsisIndex";
  span: Span;
}

export interface Index {
  kind: "Index";
  object: Expr;
  indices: IndexElem[];
  span: Span;
}

export interface TupleExpr {
  kind: "Tuple";
  elems: Expr[];
  span: Span;
}

export interface ListExpr {
  kind: "List";
  elems: Expr[];
  span: Span;
}

/** Stands where the parser recovered from an error (a diagnostic was reported there). */
export interface ErrorExpr {
  kind: "Error";
  span: Span;
}

export type Node =
  | Module
  | TopLevel
  | ImportName
  | ParamDecl
  | Binding
  | Member
  | RepeatValue
  | StackValue
  | TuplePattern
  | Outputs
  | OutputSpec
  | Stmt
  | TypeExpr
  | VariadicDim
  | Expr
  | Arg
  | Slice
  | EllipsisIndex
  | Ident;
