/**
 * Syntax-tree queries for the language server: children of a node, the innermost node at an
 * offset, and the chain of nodes enclosing it. The tree is plain data (grammar/ast.ts), so one
 * generic walk serves every node kind.
 */
import type * as A from "../grammar/ast.js";

/** A node of the tree: anything with a kind and a span. */
export interface AnyNode {
  kind: string;
  span: A.Span;
}

function isNode(x: unknown): x is AnyNode {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as { kind?: unknown }).kind === "string" &&
    typeof (x as { span?: unknown }).span === "object"
  );
}

/** Direct children of a node, in source order (comments of a module left out). */
export function children(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const [k, v] of Object.entries(n)) {
    if (k === "span" || k === "comments" || k === "thenSpan") continue;
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) out.push(v);
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** Calls `visit` on every node below `root` (parents first); `visit` returning false prunes. */
export function walk(root: AnyNode, visit: (n: AnyNode, parents: AnyNode[]) => boolean | void) {
  const parents: AnyNode[] = [];
  const go = (n: AnyNode) => {
    if (visit(n, parents) === false) return;
    parents.push(n);
    for (const c of children(n)) go(c);
    parents.pop();
  };
  go(root);
}

/**
 * The chain of nodes containing `offset`, outermost first (the module, then ...). A position
 * just after a node's last character counts as inside it, so the cursor at the end of a name
 * still finds the name.
 */
export function pathAt(root: AnyNode, offset: number): AnyNode[] {
  const path: AnyNode[] = [root];
  let cur = root;
  for (;;) {
    const kids = children(cur);
    // Prefer a child that strictly contains the offset, then one that ends at it.
    const next =
      kids.find((c) => c.span.start <= offset && offset < c.span.end) ??
      kids.find(
        (c) => c.span.start <= offset && offset === c.span.end && c.span.end > c.span.start,
      );
    if (!next) return path;
    path.push(next);
    cur = next;
  }
}

export function contains(span: A.Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

export function sameSpan(a: A.Span, b: A.Span): boolean {
  return a.start === b.start && a.end === b.end;
}
