/**
 * The front end's entry point: bytes or text -> Module + diagnostics. It never throws: any input
 * yields a (possibly partial) tree and diagnostics with spans.
 */
import type { IToken } from "chevrotain";
import type * as A from "./ast.js";
import { AstBuilder } from "./build-ast.js";
import * as T from "./lexer.js";
import { parser } from "./parser.js";
import { indexOfToken, lexDiagnostic, parseDiagnostic } from "./syntax-errors.js";
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { SourceFile, type Span } from "../compiler/diagnostics/source.js";

export const LIMITS = {
  /** Larger files are refused (A0008). */
  maxFileBytes: 64 * 1024 * 1024,
  /** Deeper bracket nesting is refused (A0006): the parser is recursive. */
  maxNesting: 256,
  /** Diagnostics shown per file before the rest are summarized (A0007). */
  maxDiagnostics: 100,
  /** Top-level resynchronizations per file before parsing gives up. */
  maxResyncs: 200,
};

export interface ParseResult {
  module: A.Module;
  source: SourceFile;
  diagnostics: Diagnostic[];
}

/** Decodes UTF-8, reporting the first invalid byte sequence (A0001) and replacing it with U+FFFD. */
export function decodeSource(
  bytes: Uint8Array,
  file: string,
): { text: string; diagnostics: Diagnostic[] } {
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes);
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { text, diagnostics: [] };
  const offset = new TextDecoder("utf-8", { ignoreBOM: false }).decode(
    bytes.subarray(0, bad),
  ).length;
  return {
    text,
    diagnostics: [
      diagnostic(
        "A0001",
        `file is not valid UTF-8: invalid byte 0x${bytes[bad]!.toString(16).padStart(2, "0")} at byte offset ${bad}`,
        { file, span: { start: offset, end: offset + 1 } },
        { help: "save the file as UTF-8" },
      ),
    ],
  };
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    let n = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
    }
    // Overlong, surrogate and out-of-range forms.
    if (n === 2 && ((c === 0xe0 && b[i + 1]! < 0xa0) || (c === 0xed && b[i + 1]! >= 0xa0)))
      return i;
    if (n === 3 && ((c === 0xf0 && b[i + 1]! < 0x90) || (c === 0xf4 && b[i + 1]! >= 0x90)))
      return i;
    i += n + 1;
  }
  return -1;
}

const TOP_LEVEL_STARTS = new Set([T.Import, T.BlockKw, T.Interface, T.Fn, T.Model, T.Let]);

export function parse(text: string, file: string): ParseResult {
  const source = new SourceFile(file, text);
  const diags: Diagnostic[] = [];
  const at = (span: Span) => ({ file, span });
  const emptyModule: A.Module = {
    kind: "Module",
    file,
    items: [],
    comments: [],
    span: { start: 0, end: text.length },
  };

  if (text.length > LIMITS.maxFileBytes) {
    diags.push(
      diagnostic(
        "A0008",
        `file is too large (${text.length} characters; the limit is ${LIMITS.maxFileBytes})`,
        at({ start: 0, end: 0 }),
        {
          help: "split it into modules and import them",
        },
      ),
    );
    return { module: emptyModule, source, diagnostics: diags };
  }

  // A binary file (an image, a compiled artifact) is refused at once: lexing and parsing it
  // would only produce noise, slowly.
  const binary = binaryContent(text);
  if (binary) {
    diags.push(
      diagnostic(
        "A0010",
        `this is not .arch source: ${binary.count} control characters or invalid bytes`,
        at({ start: binary.first, end: binary.first + 1 }),
        {
          help: "archc reads UTF-8 text files",
        },
      ),
    );
    return { module: emptyModule, source, diagnostics: diags };
  }

  const lexed = T.archLexer.tokenize(text);
  // positionTracking "onlyOffset" leaves endOffset unset; the parser's node locations need it.
  for (const t of lexed.tokens) t.endOffset = t.startOffset + t.image.length - 1;
  const lexErrors = lexed.errors.map((e) => lexDiagnostic(e, file, text));
  for (const d of lexErrors) diags.push(d);
  const comments = collectComments(lexed.groups.comments ?? [], text, file, diags);

  let tokens = lexed.tokens;
  for (const t of tokens) {
    if (t.tokenType === T.UnterminatedString) {
      diags.push(
        diagnostic(
          "A0003",
          "string is not closed on its line",
          at({ start: t.startOffset, end: t.startOffset + 1 }),
          {
            help: 'add the closing " (strings cannot span lines)',
          },
        ),
      );
      // chevrotain matches tokens by index: both fields must change.
      t.tokenType = T.StringLit;
      t.tokenTypeIdx = T.StringLit.tokenTypeIdx!;
    }
  }
  tokens = limitNesting(tokens, file, diags);

  const builder = new AstBuilder(file, text.length);
  const items: A.TopLevel[] = [];
  const parseDiags: Diagnostic[] = [];
  let stoppedAt: Diagnostic | undefined;
  let rounds = 0;
  // Top-level declarations are parsed a chunk at a time, so the concrete syntax tree of a huge
  // file never exists all at once (it takes far more memory than the tokens or the AST).
  for (const [from, to] of chunks(tokens, text)) {
    let start = from;
    while (start < to) {
      if (rounds++ >= LIMITS.maxResyncs) {
        stoppedAt = diagnostic(
          "A0007",
          "too many syntax errors; parsing stopped here",
          at(tokenSpan(tokens[start]!)),
          {
            severity: "note",
          },
        );
        break;
      }
      parser.input = tokens.slice(start, to);
      let cst;
      try {
        cst = parser.module();
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        diags.push(
          diagnostic(
            "A0006",
            "input is nested too deeply to parse",
            at(tokenSpan(tokens[start]!)),
            {
              help: "split deeply nested expressions into several `let` statements",
            },
          ),
        );
        break;
      }
      for (const item of builder.topLevel(cst)) items.push(item);
      builder.reset();
      let resume = -1;
      const reported = new Set<number>();
      for (const e of parser.errors) {
        // chevrotain records the same bad token once per enclosing rule: report it once, from the
        // innermost rule (the first recorded), which knows best what was expected.
        if (reported.has(e.token.startOffset) && Number.isFinite(e.token.startOffset)) continue;
        reported.add(e.token.startOffset);
        parseDiags.push(parseDiagnostic(e, { file, text, tokens }));
        if (e.name === "NotAllInputParsedException") {
          const next = nextTopLevelStart(tokens, indexOfToken(tokens, e.token), text);
          resume = next >= 0 && next < to ? next : to;
        }
      }
      if (resume < 0) break;
      start = resume;
    }
    if (stoppedAt) break;
  }
  for (const d of withoutCascades(lexErrors, parseDiags, builder.diagnostics, source))
    diags.push(d);

  const module: A.Module = {
    kind: "Module",
    file,
    items,
    comments,
    span: { start: 0, end: text.length },
  };
  attachDocComments(module, text);
  const shown = capDiagnostics(dedupe(diags), file);
  if (stoppedAt) shown.push(stoppedAt);
  return { module, source, diagnostics: shown };
}

/** More than this many control characters or U+FFFD marks a file as binary. */
const BINARY_THRESHOLD = 1000;

function binaryContent(text: string): { count: number; first: number } | undefined {
  const re = /[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/g;
  let count = 0;
  let first = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (first < 0) first = m.index;
    if (++count > BINARY_THRESHOLD) {
      // Count the rest without keeping match objects.
      count += (text.slice(re.lastIndex).match(re) ?? []).length;
      return { count, first };
    }
  }
  return undefined;
}

/** Comments as kept on the tree. */
function collectComments(
  raw: IToken[],
  text: string,
  file: string,
  diags: Diagnostic[],
): A.Comment[] {
  const comments: A.Comment[] = [];
  for (const c of raw) {
    const span = { start: c.startOffset, end: c.startOffset + c.image.length };
    if (c.tokenType === T.UnterminatedBlockComment) {
      diags.push(
        diagnostic(
          "A0004",
          "block comment is never closed",
          { file, span: { start: span.start, end: span.start + 2 } },
          {
            help: "add */ where the comment should end",
          },
        ),
      );
    }
    // A `///` comment documents the declaration below it only when it starts its line; after
    // code on the same line it is an ordinary comment.
    const lineStart = text.lastIndexOf("\n", c.startOffset - 1) + 1;
    const isDoc =
      c.tokenType === T.LineComment &&
      c.image.startsWith("///") &&
      !c.image.startsWith("////") &&
      text.slice(lineStart, c.startOffset).trim() === "";
    comments.push({
      kind: isDoc ? "DocComment" : c.tokenType === T.LineComment ? "LineComment" : "BlockComment",
      text: c.image,
      span,
    });
  }
  return comments;
}

/** Token ranges of whole top-level declarations, each about CHUNK_TOKENS long. */
function chunks(tokens: IToken[], text: string): [number, number][] {
  const CHUNK_TOKENS = 20_000;
  const out: [number, number][] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    if (
      depth === 0 &&
      i - start >= CHUNK_TOKENS &&
      TOP_LEVEL_STARTS.has(type) &&
      startsLine(t, text)
    ) {
      out.push([start, i]);
      start = i;
    }
    if (type === T.LParen || type === T.LBracket || type === T.LBrace) depth++;
    else if (type === T.RParen || type === T.RBracket || type === T.RBrace)
      depth = Math.max(0, depth - 1);
  }
  out.push([start, tokens.length]);
  return out;
}

function startsLine(t: IToken, text: string): boolean {
  const lineStart = text.lastIndexOf("\n", t.startOffset - 1) + 1;
  return text.slice(lineStart, t.startOffset).trim() === "";
}

/**
 * Cuts error cascades: recovery can derail a line, so only the first lexical or parse error of a
 * line is kept (every lexical error is kept); a tree-level diagnostic is dropped when a lexical
 * error precedes it on its line or a parse error sits at the same place. Linear in the number of
 * diagnostics (a file of random bytes has many).
 */
function withoutCascades(
  lexErrors: Diagnostic[],
  parseDiags: Diagnostic[],
  treeDiags: Diagnostic[],
  source: SourceFile,
): Diagnostic[] {
  const lineOf = (d: Diagnostic) => source.position(d.location.span.start).line;
  const isLex = new Set(lexErrors);
  const firstRoot = new Map<number, number>();
  const firstLex = new Map<number, number>();
  const rootStarts = new Set<number>();
  const out: Diagnostic[] = [];
  const all = [...lexErrors, ...parseDiags].sort(
    (a, b) => a.location.span.start - b.location.span.start,
  );
  for (const d of all) {
    const line = lineOf(d);
    const start = d.location.span.start;
    const f = firstRoot.get(line);
    if (isLex.has(d)) {
      if (!firstLex.has(line)) firstLex.set(line, start);
    } else if (f !== undefined && f <= start) continue;
    if (f === undefined) firstRoot.set(line, start);
    rootStarts.add(start);
    if (!isLex.has(d)) out.push(d);
  }
  for (const d of treeDiags) {
    const lex = firstLex.get(lineOf(d));
    if (lex !== undefined && lex <= d.location.span.start) continue;
    if (rootStarts.has(d.location.span.start)) continue;
    out.push(d);
  }
  return out;
}

function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + Math.max(1, t.image.length) };
}

/**
 * Refuses bracket nesting deeper than LIMITS.maxNesting: tokens from the top-level declaration
 * that contains the too-deep bracket onwards are dropped (A0006), so the recursive parser and
 * every later pass stay within the stack.
 */
function limitNesting(tokens: IToken[], file: string, diags: Diagnostic[]): IToken[] {
  let depth = 0;
  let lastTopLevel = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.tokenType;
    if (depth === 0 && TOP_LEVEL_STARTS.has(t)) lastTopLevel = i;
    if (t === T.LParen || t === T.LBracket || t === T.LBrace) {
      if (++depth > LIMITS.maxNesting) {
        diags.push(
          diagnostic(
            "A0006",
            `brackets nested more than ${LIMITS.maxNesting} levels deep; this declaration and the rest of the file are not parsed`,
            { file, span: tokenSpan(tokens[i]!) },
            { help: "split deeply nested expressions into several `let` statements" },
          ),
        );
        return tokens.slice(0, lastTopLevel);
      }
    } else if (t === T.RParen || t === T.RBracket || t === T.RBrace) {
      depth = Math.max(0, depth - 1);
    }
  }
  return tokens;
}

/** The next token after `from` where a top-level declaration plausibly starts, or -1. */
function nextTopLevelStart(tokens: IToken[], from: number, text: string): number {
  let fallback = -1;
  for (let i = from + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!TOP_LEVEL_STARTS.has(t.tokenType)) continue;
    const lineStart = text.lastIndexOf("\n", t.startOffset - 1) + 1;
    if (text.slice(lineStart, t.startOffset).trim() === "") return i;
    if (fallback < 0 && t.tokenType !== T.Let) fallback = i;
  }
  return fallback;
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags
    .filter((d) => {
      const key = `${d.location.span.start}:${d.code}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.location.span.start - b.location.span.start);
}

function capDiagnostics(diags: Diagnostic[], file: string): Diagnostic[] {
  if (diags.length <= LIMITS.maxDiagnostics) return diags;
  const shown = diags.slice(0, LIMITS.maxDiagnostics);
  const firstHidden = diags[LIMITS.maxDiagnostics]!;
  shown.push(
    diagnostic(
      "A0007",
      `${diags.length - LIMITS.maxDiagnostics} more diagnostics in this file are not shown`,
      { file, span: firstHidden.location.span },
      {
        severity: "note",
        help: "fix the first errors and check again",
      },
    ),
  );
  return shown;
}

/**
 * Attaches `///` comments to the declaration, member or hyperparameter that directly follows them
 * (no blank line in between) as its `doc`.
 */
function attachDocComments(module: A.Module, text: string): void {
  const runs = new Map<number, A.Comment[]>();
  const docs = module.comments.filter((c) => c.kind === "DocComment");
  for (let i = 0; i < docs.length;) {
    const lines = [docs[i]!];
    let j = i + 1;
    while (j < docs.length && gapIsLineBreak(text, docs[j - 1]!.span.end, docs[j]!.span.start))
      lines.push(docs[j++]!);
    const end = lines[lines.length - 1]!.span.end;
    let next = end;
    while (next < text.length && /\s/.test(text[next]!)) next++;
    if (gapIsLineBreak(text, end, next)) runs.set(next, lines);
    i = j;
  }
  if (runs.size === 0) return;
  const attach = (n: { span: Span; doc?: string }) => {
    const lines = runs.get(n.span.start);
    if (!lines) return;
    n.doc = lines.map((c) => c.text.slice(3).replace(/^ /, "")).join("\n");
    for (const c of lines) c.attached = true;
  };
  // Only declarations, members and parameters take docs: visit just those (not expressions).
  const params = (ps: A.ParamDecl[]) => ps.forEach(attach);
  const body = (ss: A.Stmt[] | undefined) => ss?.forEach((st) => st.kind === "Let" && attach(st));
  const members = (ms: A.Member[]): void => {
    for (const m of ms) {
      if (m.kind === "IfMember") {
        members(m.then);
        if (m.else) members(m.else);
        continue;
      }
      if (m.kind === "Requires" || m.kind === "Tie") continue;
      attach(m);
      if (m.kind === "Forward") {
        params(m.inputs);
        body(m.body);
      }
    }
  };
  for (const item of module.items) {
    if (item.kind === "Import") continue;
    attach(item);
    if (item.kind === "Block") {
      params(item.params);
      members(item.members);
    } else if (item.kind === "Interface") {
      params(item.params);
      if (item.forward) {
        attach(item.forward);
        params(item.forward.inputs);
      }
    } else if (item.kind === "Fn") {
      params(item.params);
      body(item.body);
    }
  }
}

/** True when only whitespace with at most one line break lies between the two offsets. */
function gapIsLineBreak(text: string, from: number, to: number): boolean {
  const gap = text.slice(from, to);
  return gap.trim() === "" && (gap.match(/\n/g)?.length ?? 0) <= 1;
}

/**
 * Parses one expression on its own (a `--model` argument such as `HourglassFFN(d = 768)`), with
 * the same diagnostics as a file.
 */
export function parseExpression(
  text: string,
  file: string,
): { expr?: A.Expr; source: SourceFile; diagnostics: Diagnostic[] } {
  const source = new SourceFile(file, text);
  const lexed = T.archLexer.tokenize(text);
  for (const t of lexed.tokens) t.endOffset = t.startOffset + t.image.length - 1;
  const diagnostics = lexed.errors.map((e) => lexDiagnostic(e, file, text));
  parser.input = limitNesting(lexed.tokens, file, diagnostics);
  const cst = parser.expr();
  for (const e of parser.errors)
    diagnostics.push(parseDiagnostic(e, { file, text, tokens: lexed.tokens }));
  const builder = new AstBuilder(file, text.length);
  const expr = builder.expr(cst, { start: 0, end: text.length });
  diagnostics.push(...builder.diagnostics);
  return diagnostics.length > 0 ? { source, diagnostics } : { expr, source, diagnostics };
}
