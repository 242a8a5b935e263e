/**
 * chevrotain, loaded from the single-file ESM bundle it ships (lib/chevrotain.mjs) rather than its
 * package entry, which pulls in lodash-es as ~600 separate modules: 0.1 s instead of 0.5 s at
 * every `archc` start (measured with `time node -e 'import(...)'`). Everything in grammar/
 * imports chevrotain's values from here, so tokens and parser come from one copy.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";

type Chevrotain = typeof import("chevrotain");

async function load(): Promise<Chevrotain> {
  const entry = createRequire(import.meta.url).resolve("chevrotain"); // .../lib/src/api.js
  const bundle = join(dirname(entry), "..", "chevrotain.mjs");
  if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as Chevrotain;
  return await import("chevrotain");
}

const chevrotain = await load();

export const { createToken, Lexer, CstParser, EOF } = chevrotain;
