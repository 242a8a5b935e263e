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

  const lexed = T.archLexer.tokenize(text);
  const lexErrors = lexed.errors.map((e) => lexDiagnostic(e, file, text));
  diags.push(...lexErrors);

  const comments: A.Comment[] = [];
  for (const c of lexed.groups.comments ?? []) {
    const span = { start: c.startOffset, end: c.startOffset + c.image.length };
    if (c.tokenType === T.UnterminatedBlockComment) {
      diags.push(
        diagnostic(
          "A0004",
          "block comment is never closed",
          at({ start: span.start, end: span.start + 2 }),
          {
            help: "add */ where the comment should end",
          },
        ),
      );
    }
    const isDoc =
      c.tokenType === T.LineComment && c.image.startsWith("///") && !c.image.startsWith("////");
    comments.push({
      kind: isDoc ? "DocComment" : c.tokenType === T.LineComment ? "LineComment" : "BlockComment",
      text: c.image,
      span,
    });
  }

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
  let start = 0;
  for (let round = 0; start < tokens.length; round++) {
    if (round >= LIMITS.maxResyncs) {
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
    parser.input = start === 0 ? tokens : tokens.slice(start);
    let cst;
    try {
      cst = parser.module();
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      diags.push(
        diagnostic("A0006", "input is nested too deeply to parse", at(tokenSpan(tokens[start]!)), {
          help: "split deeply nested expressions into several `let` statements",
        }),
      );
      break;
    }
    items.push(...builder.topLevel(cst));
    let resume = -1;
    const reported = new Set<number>();
    for (const e of parser.errors) {
      // chevrotain records the same bad token once per enclosing rule: report it once, from the
      // innermost rule (the first recorded), which knows best what was expected.
      if (reported.has(e.token.startOffset) && Number.isFinite(e.token.startOffset)) continue;
      reported.add(e.token.startOffset);
      parseDiags.push(parseDiagnostic(e, { file, text, tokens }));
      if (e.name === "NotAllInputParsedException") {
        resume = nextTopLevelStart(tokens, indexOfToken(tokens, e.token), text);
      }
    }
    if (resume < 0) break;
    start = resume;
  }
  // A character the lexer rejected usually derails the parse of the rest of its line: those parse
  // errors are consequences, not separate mistakes.
  // Recovery can cascade within a line; the first error of a line is the one to fix, so later
  // parse errors on that line are dropped.
  const roots: Diagnostic[] = [];
  for (const d of [...lexErrors, ...parseDiags].sort(
    (a, b) => a.location.span.start - b.location.span.start,
  )) {
    const derived = roots.some(
      (r) => r !== d && sameLineAfter(text, r.location.span.start, d.location.span.start),
    );
    if (lexErrors.includes(d) || !derived) roots.push(d);
  }
  diags.push(...roots.filter((d) => !lexErrors.includes(d)));
  // Tree-level diagnostics of constructs a lexical or parse error already covers are left out.
  diags.push(
    ...builder.diagnostics.filter(
      (d) =>
        !lexErrors.some((l) => sameLineAfter(text, l.location.span.start, d.location.span.start)) &&
        !roots.some((r) => r.location.span.start === d.location.span.start),
    ),
  );

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

/** True when `b` is at or after `a` on the same line. */
function sameLineAfter(text: string, a: number, b: number): boolean {
  return b >= a && !text.slice(a, b).includes("\n");
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

const DOC_KINDS = new Set([
  "Block",
  "Interface",
  "Fn",
  "Model",
  "Let",
  "Param",
  "Layer",
  "Forward",
  "ParamDecl",
]);

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
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const n = node as { kind?: string; span?: Span; doc?: string };
    if (n.kind && DOC_KINDS.has(n.kind) && n.span) {
      const lines = runs.get(n.span.start);
      if (lines) {
        n.doc = lines.map((c) => c.text.slice(3).replace(/^ /, "")).join("\n");
        for (const c of lines) c.attached = true;
      }
    }
    for (const [k, v] of Object.entries(n)) if (k !== "span" && typeof v === "object") visit(v);
  };
  visit(module.items);
}

/** True when only whitespace with at most one line break lies between the two offsets. */
function gapIsLineBreak(text: string, from: number, to: number): boolean {
  const gap = text.slice(from, to);
  return gap.trim() === "" && (gap.match(/\n/g)?.length ?? 0) <= 1;
}
