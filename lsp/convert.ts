/** Offsets of the compiler (UTF-16, half-open spans) to LSP positions (0-based line and column). */
import type { Position, Range } from "vscode-languageserver";
import type { Span } from "../compiler/diagnostics/source.js";
import type { SourceFile } from "../compiler/diagnostics/source.js";

export function toPosition(src: SourceFile, offset: number): Position {
  const p = src.position(offset);
  return { line: p.line - 1, character: p.col - 1 };
}

export function toRange(src: SourceFile, span: Span): Range {
  return { start: toPosition(src, span.start), end: toPosition(src, span.end) };
}

export function toOffset(src: SourceFile, pos: Position): number {
  return src.offset({ line: pos.line + 1, col: pos.character + 1 });
}
