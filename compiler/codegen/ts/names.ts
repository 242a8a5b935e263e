/**
 * Mapping `.arch` names to TypeScript identifiers and making `.arch` text safe inside generated
 * comments. Every name from a `.arch` file goes through here before it reaches generated code:
 * identifiers are rebuilt from a whitelist of characters, so nothing can inject code.
 */

/** Reserved words, strict-mode words and names that are special on objects or in modules. */
const RESERVED = new Set([
  ..."break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with".split(
    " ",
  ),
  ..."implements interface let package private protected public static yield await async of".split(
    " ",
  ),
  ..."any boolean number string symbol bigint never unknown object undefined type declare namespace module readonly keyof infer is asserts abstract satisfies accessor override get set constructor require arguments eval NaN Infinity globalThis".split(
    " ",
  ),
  // Keys that change an object's prototype or shadow Object.prototype members.
  "__proto__",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
]);

/**
 * A valid, non-reserved identifier for `name`, deterministically: characters outside
 * `[A-Za-z0-9_$]` become `_`, a leading digit gets a `_` prefix, a reserved word gets a `_`
 * suffix (`class` → `class_`, `my-layer` → `my_layer`, `3d` → `_3d`).
 */
export function toIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, "_");
  if (id === "") id = "_";
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

/** A class or type name: an identifier starting with an upper-case letter where it can. */
export function toTypeName(name: string): string {
  return toIdentifier(/^[a-z]/.test(name) ? name[0]!.toUpperCase() + name.slice(1) : name);
}

/**
 * Identifiers for `names`, in order, distinct from each other and from `taken`: a clash after
 * mapping (`a-b` and `a_b`) gets `_2`, `_3`, ... in order of appearance.
 */
export function uniqueIdentifiers(
  names: readonly string[],
  taken: Iterable<string> = [],
): string[] {
  const used = new Set(taken);
  return names.map((n) => {
    const base = toIdentifier(n);
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}_${k}`;
    used.add(id);
    return id;
  });
}

/**
 * Text safe inside a `/** ... *\/` comment: `*\/` cannot close it, and line breaks of every
 * kind (which could end a `//` comment early) become plain newlines the doc writer indents.
 */
export function commentText(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, "\n")
    .replace(/\*\//g, "*\\/")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "?");
}

/**
 * `commentText(text)` with its lines wrapped at `width` characters (at spaces; a longer word
 * stays whole). Lines inside a ``` fence are kept as they are.
 */
export function docText(text: string, width = 92): string {
  const out: string[] = [];
  let fenced = false;
  for (const line of commentText(text).split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced || line.length <= width) {
      out.push(line);
      continue;
    }
    let current = "";
    for (const word of line.split(" ")) {
      if (current !== "" && current.length + 1 + word.length > width) {
        out.push(current);
        current = word;
      } else current = current === "" ? word : `${current} ${word}`;
    }
    out.push(current);
  }
  return out.join("\n");
}
