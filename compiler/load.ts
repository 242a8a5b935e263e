/**
 * Reading .arch files from disk: bytes -> text (UTF-8 checked) -> syntax tree, with every
 * problem (unreadable file, invalid UTF-8, syntax errors) as a diagnostic.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeSource, parse, LIMITS } from "../grammar/parse.js";
import type { Module } from "../grammar/ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics/diagnostic.js";
import { SourceFile } from "./diagnostics/source.js";

export interface LoadedFile {
  path: string;
  text: string;
  source: SourceFile;
  module: Module;
  diagnostics: Diagnostic[];
}

/** Parses text that did not come from disk (stdin, an editor buffer, a test). */
export function loadText(path: string, text: string, extra: Diagnostic[] = []): LoadedFile {
  const parsed = parse(text, path);
  return {
    path,
    text,
    source: parsed.source,
    module: parsed.module,
    diagnostics: [...extra, ...parsed.diagnostics],
  };
}

export function loadBytes(path: string, bytes: Uint8Array): LoadedFile {
  const { text, diagnostics } = decodeSource(bytes, path);
  const loaded = loadText(path, text, diagnostics);
  // The invalid byte is reported once, as A0001, not again as an unexpected character.
  const bad = diagnostics[0]?.location.span.start;
  if (bad !== undefined) {
    loaded.diagnostics = loaded.diagnostics.filter(
      (d) => !(d.code === "A0002" && d.location.span.start === bad),
    );
  }
  return loaded;
}

/** Reads and parses a file; `display` is the path diagnostics show (default: `path`). */
export function loadFile(path: string, display = path): LoadedFile {
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > LIMITS.maxFileBytes) {
      return failed(
        path,
        "A0008",
        `file is too large (${size} bytes; the limit is ${LIMITS.maxFileBytes})`,
      );
    }
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String((e as Error).message);
    return failed(display, "A0009", `cannot read '${display}': ${why}`);
  }
  return loadBytes(display, bytes);
}

function failed(path: string, code: string, message: string): LoadedFile {
  const source = new SourceFile(path, "");
  const module: Module = {
    kind: "Module",
    file: path,
    items: [],
    comments: [],
    span: { start: 0, end: 0 },
  };
  return {
    path,
    text: "",
    source,
    module,
    diagnostics: [diagnostic(code, message, { file: path, span: { start: 0, end: 0 } })],
  };
}

/** Expands directories into the .arch files under them (sorted; node_modules and dist skipped). */
export function expandArchPaths(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, explicit: boolean) => {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      if (explicit) out.push(p); // reported as unreadable when loaded
      return;
    }
    if (!isDir) {
      if (explicit || p.endsWith(".arch")) out.push(p);
      return;
    }
    for (const name of readdirSync(p).sort()) {
      if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
      walk(join(p, name), false);
    }
  };
  for (const p of paths) walk(p, true);
  return out;
}
