/**
 * Where the cursor is, read from the text before it (the tree may be broken while typing): the
 * innermost unclosed bracket and what precedes it, the name before a `.`, the module of an
 * import being written.
 */

export interface OpenBracket {
  char: "(" | "[";
  offset: number;
  /** The callee written before a `(` (`Linear`, `nn.Linear`), or the word before a `[`. */
  callee?: string;
  /** The text between the bracket and the cursor. */
  inside: string;
}

/** The innermost `(` or `[` still open at `offset` (within the current declaration). */
export function openBracket(text: string, offset: number): OpenBracket | undefined {
  let depth = 0;
  const limit = Math.max(0, offset - 4000);
  for (let i = offset - 1; i >= limit; i--) {
    const c = text[i];
    if (c === ")" || c === "]") depth++;
    else if (c === "}") return undefined;
    else if (c === "{") return undefined;
    else if (c === "(" || c === "[") {
      if (depth > 0) {
        depth--;
        continue;
      }
      const before = text.slice(Math.max(0, i - 200), i);
      const m = /([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*$/.exec(before);
      const out: OpenBracket = { char: c, offset: i, inside: text.slice(i + 1, offset) };
      if (m) out.callee = m[1]!;
      return out;
    }
  }
  return undefined;
}

/** Whether a `[` opens a tensor type (after `:`, `->`, `,` of outputs or a dtype) rather than an index. */
export function isShapeBracket(text: string, b: OpenBracket): boolean {
  const before = text.slice(Math.max(0, b.offset - 100), b.offset).trimEnd();
  if (/(:|->|param\s+\w+\s*:)$/.test(before)) return true;
  if (/(^|[^A-Za-z0-9_.])(f32|i32|bool|f16)$/.test(before)) return true;
  return false;
}

/** The identifier (or dotted name) that ends right before `offset`, and where it starts. */
export function wordBefore(text: string, offset: number): { word: string; start: number } {
  let i = offset;
  while (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]!)) i--;
  return { word: text.slice(i, offset), start: i };
}

/** Inside the string of an import: `import "std/` or `from "./`. */
export function importPathPrefix(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const m = /\b(?:import|from)\s+"([^"]*)$/.exec(text.slice(lineStart, offset));
  return m ? m[1] : undefined;
}

/** Inside `import { ... }` of a line that names its module: that module's path. */
export function importBraceModule(text: string, offset: number): string | undefined {
  const start = text.lastIndexOf("import", offset);
  if (start < 0) return undefined;
  const head = text.slice(start, offset);
  if (!/^import\s*\{[^}]*$/.test(head)) return undefined;
  const rest = text.slice(offset, offset + 400);
  const m = /^[^}]*\}\s*from\s*"([^"]*)"/.exec(rest);
  return m ? m[1] : undefined;
}
