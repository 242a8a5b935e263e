/**
 * Prints the grammar as EBNF from chevrotain's own record of the rules (its GAST), so the grammar
 * in spec/language.md is generated from the parser and cannot drift from it.
 */
import type { ISerializedGast } from "chevrotain";
import { parser } from "./parser.js";

/** How lexical classes are named in the EBNF (everything else is printed as its quoted text). */
const CLASSES: Record<string, string> = {
  Ident: "Ident",
  NameLike: "Name",
  Number: "Number",
  String: "String",
  BinaryOp: "BinaryOp",
};

function terminal(name: string, label: string | undefined): string {
  const cls = CLASSES[name];
  if (cls) return cls;
  if (label && label.startsWith("'")) return `"${label.slice(1, -1)}"`;
  return name;
}

function seq(defs: ISerializedGast[]): string {
  return defs.map(print).join(" ");
}

function print(g: ISerializedGast): string {
  const node = g as ISerializedGast & {
    name?: string;
    label?: string;
    definition?: ISerializedGast[];
    separator?: { name: string; label?: string };
  };
  const defs = node.definition ?? [];
  switch (g.type) {
    case "NonTerminal":
      return node.name!;
    case "Terminal":
      return terminal(node.name!, node.label);
    case "Alternative":
      return seq(defs);
    case "Alternation":
      return "( " + defs.map(print).join(" | ") + " )";
    case "Option":
      return "[ " + seq(defs) + " ]";
    case "Repetition":
      return "{ " + seq(defs) + " }";
    case "RepetitionMandatory":
      return seq(defs) + " { " + seq(defs) + " }";
    case "RepetitionWithSeparator":
    case "RepetitionMandatoryWithSeparator": {
      const sep = node.separator ? terminal(node.separator.name, node.separator.label) : ",";
      const one = seq(defs) + " { " + sep + " " + seq(defs) + " }";
      return g.type === "RepetitionWithSeparator" ? "[ " + one + " ]" : one;
    }
    default:
      return seq(defs);
  }
}

/** One line per rule: `name = definition ;` */
export function grammarEbnf(): string {
  const rules = parser.getSerializedGastProductions() as (ISerializedGast & {
    name: string;
    definition: ISerializedGast[];
  })[];
  const width = Math.max(...rules.map((r) => r.name.length));
  return rules.map((r) => `${r.name.padEnd(width)} = ${seq(r.definition)} ;`).join("\n") + "\n";
}

export const EBNF_BEGIN = "<!-- ebnf:begin -->";
export const EBNF_END = "<!-- ebnf:end -->";

/** The spec text with its generated grammar section replaced by the current grammar. */
export function withGeneratedEbnf(spec: string): string {
  const begin = spec.indexOf(EBNF_BEGIN);
  const end = spec.indexOf(EBNF_END);
  if (begin < 0 || end < begin) throw new Error("spec/language.md lacks the ebnf markers");
  return (
    spec.slice(0, begin + EBNF_BEGIN.length) +
    "\n\n```ebnf\n" +
    grammarEbnf() +
    "```\n\n" +
    spec.slice(end)
  );
}
