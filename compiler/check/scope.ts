/**
 * Module scopes: the top-level names each module sees (its own declarations, then what it
 * imports), with diagnostics for duplicates, unknown imported names, names that shadow imports or
 * builtins, and import cycles.
 */
import type * as A from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { ModuleInfo, Program } from "../modules/program.js";
import { BUILTIN_NAMES } from "./builtins.js";

export type TopDecl =
  | { kind: "block"; decl: A.BlockDecl; module: ModuleInfo }
  | { kind: "interface"; decl: A.InterfaceDecl; module: ModuleInfo }
  | { kind: "fn"; decl: A.FnDecl; module: ModuleInfo }
  | { kind: "model"; decl: A.ModelDecl; module: ModuleInfo }
  | { kind: "let"; decl: A.LetDecl; module: ModuleInfo; name: A.Ident }
  | { kind: "module"; target: ModuleInfo; decl: A.ImportDecl }
  /** An imported name that does not exist (reported once, at the import); uses stay silent. */
  | { kind: "poison"; name: A.Ident; module: ModuleInfo };

export interface ModuleScope {
  module: ModuleInfo;
  /** Declared in this module. */
  own: Map<string, TopDecl>;
  /** Visible in this module: own declarations and imports. */
  names: Map<string, TopDecl>;
  /** Names two glob imports both provide (an error only where used). */
  ambiguous: Map<string, TopDecl[]>;
}

function nameOf(d: TopDecl): A.Ident {
  if (d.kind === "module") return d.decl.alias!;
  if (d.kind === "poison") return d.name;
  if (d.kind === "let") return d.name;
  return d.decl.name;
}

/** Declarations of a module, keyed by name, with duplicates reported (A0202). */
function ownDecls(m: ModuleInfo, diags: Diagnostic[]): Map<string, TopDecl> {
  const own = new Map<string, TopDecl>();
  const add = (d: TopDecl) => {
    const id = nameOf(d);
    if (id.name === "") return;
    const prev = own.get(id.name);
    if (prev) {
      diags.push(
        diagnostic(
          "A0202",
          `'${id.name}' is declared twice`,
          { file: m.displayPath, span: id.span },
          {
            related: [
              {
                location: { file: m.displayPath, span: nameOf(prev).span },
                message: "first declared here",
              },
            ],
            help: "rename one of them",
          },
        ),
      );
      return;
    }
    if (BUILTIN_NAMES.has(id.name)) {
      diags.push(
        diagnostic(
          "A0205",
          `'${id.name}' is a built-in name and cannot be redeclared`,
          { file: m.displayPath, span: id.span },
          {
            help: "choose another name (built-ins are listed in spec/language.md §7)",
          },
        ),
      );
      return;
    }
    own.set(id.name, d);
  };
  for (const item of m.file.module.items) {
    switch (item.kind) {
      case "Block":
        add({ kind: "block", decl: item, module: m });
        break;
      case "Interface":
        add({ kind: "interface", decl: item, module: m });
        break;
      case "Fn":
        add({ kind: "fn", decl: item, module: m });
        break;
      case "Model":
        add({ kind: "model", decl: item, module: m });
        break;
      case "Let":
        if (item.pattern.kind === "Ident")
          add({ kind: "let", decl: item, module: m, name: item.pattern });
        else {
          diags.push(
            diagnostic(
              "A0206",
              "a top-level let binds one name",
              { file: m.displayPath, span: item.pattern.span },
              {
                help: "write one let per constant",
              },
            ),
          );
        }
        break;
      case "Import":
        break;
    }
  }
  return own;
}

export function buildScopes(
  program: Program,
  modules: ModuleInfo[],
): { scopes: Map<string, ModuleScope>; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const scopes = new Map<string, ModuleScope>();
  for (const m of modules) {
    scopes.set(m.path, {
      module: m,
      own: ownDecls(m, diags),
      names: new Map(),
      ambiguous: new Map(),
    });
  }
  for (const scope of scopes.values()) {
    const m = scope.module;
    for (const [k, v] of scope.own) scope.names.set(k, v);
    for (const imp of m.imports) {
      const target = imp.target ? scopes.get(imp.target) : undefined;
      if (!target) continue;
      const decl = imp.decl;
      const at = (span: A.Span) => ({ file: m.displayPath, span });
      if (decl.alias) {
        bind(
          scope,
          decl.alias.name,
          { kind: "module", target: target.module, decl },
          at(decl.alias.span),
          diags,
        );
      } else if (decl.names) {
        for (const n of decl.names) {
          const found = target.own.get(n.name.name);
          if (!found) {
            diags.push(
              diagnostic(
                "A0203",
                `"${decl.path.value}" has no declaration named '${n.name.name}'`,
                at(n.name.span),
                {
                  help: suggest(n.name.name, [...target.own.keys()]),
                },
              ),
            );
            const local = n.alias ?? n.name;
            if (!scope.names.has(local.name))
              scope.names.set(local.name, { kind: "poison", name: local, module: m });
            continue;
          }
          const local = n.alias ?? n.name;
          bind(scope, local.name, found, at(local.span), diags);
        }
      } else {
        for (const [name, d] of target.own) {
          if (scope.own.has(name)) continue; // a local declaration wins over a glob import
          const prev = scope.names.get(name);
          if (prev && prev !== d) {
            const list = scope.ambiguous.get(name) ?? [prev];
            list.push(d);
            scope.ambiguous.set(name, list);
            continue;
          }
          scope.names.set(name, d);
        }
      }
    }
  }
  diags.push(...importCycles(modules));
  return { scopes, diagnostics: diags };
}

/** Binds an explicitly imported name; clashing with a local declaration is an error (A0204). */
function bind(
  scope: ModuleScope,
  name: string,
  d: TopDecl,
  at: { file: string; span: A.Span },
  diags: Diagnostic[],
): void {
  const own = scope.own.get(name);
  if (own) {
    diags.push(
      diagnostic("A0204", `import of '${name}' clashes with a declaration of this module`, at, {
        related: [
          {
            location: { file: scope.module.displayPath, span: nameOf(own).span },
            message: `'${name}' is declared here`,
          },
        ],
        help: `import it under another name: { ${name} as Other${name} }`,
      }),
    );
    return;
  }
  const prev = scope.names.get(name);
  if (prev && prev !== d) {
    diags.push(
      diagnostic("A0204", `'${name}' is imported twice`, at, {
        help: "remove one import, or rename one with 'as'",
      }),
    );
    return;
  }
  scope.names.set(name, d);
}

/** Import cycles, each reported once on the import that closes it (A0207). */
function importCycles(modules: ModuleInfo[]): Diagnostic[] {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const state = new Map<string, "visiting" | "done">();
  const stack: ModuleInfo[] = [];
  const diags: Diagnostic[] = [];
  const visit = (m: ModuleInfo) => {
    state.set(m.path, "visiting");
    stack.push(m);
    for (const imp of m.imports) {
      if (!imp.target) continue;
      const t = byPath.get(imp.target);
      if (!t) continue;
      if (state.get(t.path) === "visiting") {
        const members = stack.slice(stack.indexOf(t));
        const cycle = [...members, t].map((x) => x.displayPath).join(" → ");
        // Reported at the import that starts the cycle, in the first module of it (the one
        // being checked, when the walk started there).
        const next = members[1] ?? t;
        const starter = t.imports.find((i) => i.target === next.path) ?? imp;
        diags.push(
          diagnostic(
            "A0207",
            `import cycle: ${cycle}`,
            { file: t.displayPath, span: starter.decl.path.span },
            {
              help: "move what both modules need into a third module that both import",
            },
          ),
        );
      } else if (!state.has(t.path)) visit(t);
    }
    stack.pop();
    state.set(m.path, "done");
  };
  for (const m of modules) if (!state.has(m.path)) visit(m);
  return diags;
}

/** "did you mean 'Linear'?" for a close name, else the list of names. */
export function suggest(name: string, candidates: string[]): string {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  if (best !== undefined && bestDist <= Math.max(1, Math.floor(name.length / 3)))
    return `did you mean '${best}'?`;
  if (candidates.length === 0) return "it declares nothing";
  const shown = candidates.slice(0, 12).join(", ");
  return `available: ${shown}${candidates.length > 12 ? ", …" : ""}`;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
