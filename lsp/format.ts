/**
 * Formatting: the `archc fmt` formatter, as one edit replacing the whole document. A document with
 * syntax errors is left alone (the formatter needs a complete tree), as `archc fmt` does.
 */
import type { FormattingOptions, TextEdit } from "vscode-languageserver";
import { formatModule } from "../grammar/format.js";
import { hasErrors } from "../compiler/diagnostics/diagnostic.js";
import { toPosition } from "./convert.js";
import type { Analysis } from "./workspace.js";

export function formatting(a: Analysis, _options: FormattingOptions): TextEdit[] {
  const f = a.module.file;
  if (hasErrors(f.diagnostics)) return [];
  const formatted = formatModule(f.module, f.text);
  if (formatted === f.text) return [];
  return [
    {
      range: { start: { line: 0, character: 0 }, end: toPosition(f.source, f.text.length) },
      newText: formatted,
    },
  ];
}
