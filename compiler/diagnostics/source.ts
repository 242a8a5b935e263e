/** A source file's text with a line index, so offsets map to 1-based line:column and back. */

/** A half-open range of UTF-16 offsets into a source text: `[start, end)`. */
export interface Span {
  start: number;
  end: number;
}

/** A 1-based line and a 1-based column counted in UTF-16 code units (as the LSP does). */
export interface Position {
  line: number;
  col: number;
}

export class SourceFile {
  /** Offset of the first character of every line. */
  private readonly lineStarts: number[];

  constructor(
    /** The path the user gave (shown in diagnostics as is). */
    readonly path: string,
    readonly text: string,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The 1-based position of `offset` (clamped to the text). */
  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: o - this.lineStarts[lo]! + 1 };
  }

  /** The offset of a 1-based position (clamped to the line). */
  offset(pos: Position): number {
    const line = Math.max(1, Math.min(pos.line, this.lineStarts.length));
    const start = this.lineStarts[line - 1]!;
    const end = this.lineEnd(line);
    return Math.min(start + Math.max(0, pos.col - 1), end);
  }

  /** Text of a 1-based line without its line terminator. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return "";
    return this.text.slice(start, this.lineEnd(line));
  }

  private lineEnd(line: number): number {
    const next = this.lineStarts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > 0 && this.text.charCodeAt(end - 1) === 13) end--; // CRLF
    return Math.max(end, this.lineStarts[line - 1]!);
  }
}
