/**
 * The language server at the protocol level: a real client speaks JSON-RPC over stdio to the
 * built `archc lsp --stdio` and checks every feature's exact ranges and contents.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LspClient, pos, workspace } from "./client.js";

const MAIN = `import { Linear } from "std/nn"
import { Split } from "./parts"

/// Two linear maps with a residual.
block Mix(d: dim, hidden: dim = 4 * d) {
  layer up = Linear(d, hidden)
  layer down = Linear(hidden, d, bias = false)

  forward(x: [B, T, d]) -> y: [B, T, d] {
    let h = up(x)
    return x + down(h)
  }
}

model Small = Mix(d = 8)
model Heads = Split(d = 768, heads = 10)
`;

const PARTS = `/// Splits d into heads.
block Split(d: dim, heads: dim) {
  let hd = d / heads
  param w: [hd, d]

  forward(x: [B, d]) -> y: [B, hd] {
    return x @ transpose(w, 0, 1)
  }
}
`;

let c: LspClient;
let diags: { range: unknown; code?: unknown; message: string; relatedInformation?: unknown[] }[];

beforeAll(async () => {
  c = new LspClient(workspace({ "main.arch": MAIN, "parts.arch": PARTS }));
  await c.initialize();
  diags = (await c.open("main.arch", MAIN)) as typeof diags;
});
afterAll(async () => {
  await c.stop();
});

const r = (l1: number, c1: number, l2: number, c2: number) => ({
  start: { line: l1, character: c1 },
  end: { line: l2, character: c2 },
});

describe("diagnostics", () => {
  test("every error at once, with related information into the other file", async () => {
    expect(diags).toEqual([]); // main.arch's own errors: none (the division is in parts.arch)
    const d = await c.open("parts.arch", PARTS);
    expect(d).toEqual([]); // Split on its own is fine
    const bad = `import { Linear } from "std/nn"
block A(d: dim) {
  layer l = Linear(d, d, nope = 1)
  forward(x: [B, d]) -> y: [B, d] { return l(x) }
}
block C(d: dim {
  param w: [d]
}
model M = Mistery(d = 1)
`;
    const got = await c.open("bad.arch", bad);
    expect(got.map((x) => [x.code, x.range, x.message.split("\n")[0]])).toEqual([
      ["A0304", r(2, 25, 2, 29), "Linear has no hyperparameter 'nope'"],
      ["A0101", r(5, 15, 5, 16), expect.stringContaining("expected")],
      ["A0301", r(8, 10, 8, 17), "unknown name 'Mistery'"],
    ]);
    const rel = got[0]!.relatedInformation as {
      location: { uri: string; range: unknown };
      message: string;
    }[];
    expect(rel[0]!.message).toBe("Linear is declared here");
    expect(rel[0]!.location.uri).toMatch(/stdlib\/nn\.arch$/);
    expect(rel[0]!.location.range).toEqual(r(5, 6, 5, 12));
  });

  test("an edit re-checks (debounced) and the fixed file clears", async () => {
    const text = MAIN.replace("Mix(d = 8)", "Mix(d = 8, width = 2)");
    const d = await c.change("main.arch", text);
    expect(d.map((x) => [x.code, x.range])).toEqual([["A0304", r(14, 25, 14, 30)]]);
    expect(await c.change("main.arch", MAIN)).toEqual([]);
  });

  test("a file changed on disk re-checks the documents that import it", async () => {
    const lib = "block Lib(d: dim) {\n  forward(x: [d]) -> y: [d] {\n    return x\n  }\n}\n";
    writeFileSync(join(c.root, "lib.arch"), lib);
    const use = 'import { Lib } from "./lib"\nmodel U = Lib(d = 4)\n';
    expect(await c.open("use.arch", use)).toEqual([]);
    await new Promise((r) => setTimeout(r, 20)); // a new mtime
    writeFileSync(join(c.root, "lib.arch"), lib.replace("Lib", "Other"));
    const next = c.nextDiagnostics(c.uri("use.arch"));
    await c.conn.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: c.uri("lib.arch"), type: 2 }],
    });
    const d = await next;
    expect(d.map((x) => [x.code, x.range, x.message.split("\n")[0]])).toEqual([
      ["A0203", r(0, 9, 0, 12), `"./lib" has no declaration named 'Lib'`],
    ]);
  });

  test("an error in the standard library shows at the use site, with the library span related", async () => {
    const text = `import { MultiHeadAttention } from "std/attention"\nmodel N = MultiHeadAttention(d = 768, heads = 10)\n`;
    const d = await c.open("mha.arch", text);
    expect(d).toHaveLength(1);
    expect(d[0]!.code).toBe("A0308");
    expect(d[0]!.range).toEqual(r(1, 10, 1, 49));
    expect(d[0]!.message).toContain("MultiHeadAttention: d=768 must split evenly into heads=10");
    const rel = d[0]!.relatedInformation![0]!;
    expect(rel.location.uri).toMatch(/stdlib\/attention\.arch$/);
    expect(rel.location.range).toEqual(r(8, 11, 8, 39));
  });
});

describe("hover", () => {
  const hover = async (text: string, needle: string, nth = 0, delta = 0, file = "main.arch") => {
    const p = pos(text, needle, nth, delta);
    return c.at<{ contents: { value: string }; range: unknown } | null>(
      "textDocument/hover",
      file,
      p.line,
      p.character,
    );
  };

  test("a tensor: its shape in named dims and under the model", async () => {
    const h = await hover(MAIN, "down(h)", 0, 5);
    expect(h!.range).toEqual(r(10, 20, 10, 21));
    expect(h!.contents.value).toBe(
      "```arch\nlet h = up(x)\n```\n\nin block `Mix`\n\n```arch\nh: f32[B, T, 4*d]\n```\n\nin model `Small`: `f32[B, T, 32]`",
    );
    const sum = await hover(MAIN, "x + down", 0, 2);
    expect(sum!.contents.value).toBe(
      "```arch\nf32[B, T, d]\n```\n\nin model `Small`: `f32[B, T, 8]`",
    );
  });

  test("a forward input: its declared type, and its type checked", async () => {
    const h = await hover(MAIN, "forward(x", 0, 8);
    expect(h!.range).toEqual(r(8, 10, 8, 11));
    expect(h!.contents.value).toBe(
      "```arch\ninput x: [B, T, d]\n```\n\nin block `Mix`\n\n```arch\nx: f32[B, T, d]\n```\n\nin model `Small`: `f32[B, T, 8]`",
    );
  });

  test("a layer: the instance, its hyperparameters, parameter count and doc", async () => {
    const h = await hover(MAIN, "up(x)");
    expect(h!.contents.value).toBe(
      "```arch\nlayer up = Linear(d, hidden)\n```\n\nin block `Mix`\n\n" +
        "`Linear(in=d, out=4*d, bias=true)`: 4*d*d + 4*d parameters\n\n" +
        "in model `Small`: `Linear(in=8, out=32, bias=true)`: 288 parameters\n\n" +
        "y = x·Wᵀ + b, as torch.nn.Linear (weight stored [out, in]).\nInitialized as PyTorch does: weight and bias uniform on ±1/√in.",
    );
  });

  test("a model: its instance and parameter count", async () => {
    const h = await hover(MAIN, "Small");
    expect(h!.range).toEqual(r(14, 6, 14, 11));
    expect(h!.contents.value).toContain("in model `Small`: `Mix(d=8, hidden=32)`: 544 parameters");
  });

  test("a block from the stdlib, a hyperparameter, a primitive", async () => {
    const b = await hover(MAIN, "Linear(d, hidden)");
    expect(b!.contents.value).toBe(
      "```arch\nblock Linear(in: dim, out: dim, bias: bool = true)\n```\n\n" +
        "y = x·Wᵀ + b, as torch.nn.Linear (weight stored [out, in]).\nInitialized as PyTorch does: weight and bias uniform on ±1/√in.\n\nfrom `std/nn`",
    );
    const hp = await hover(MAIN, "hidden: dim");
    expect(hp!.contents.value).toBe(
      "```arch\nhyperparameter hidden: dim = 4 * d\n```\n\nin block `Mix`",
    );
    const prim = await hover(PARTS, "transpose", 0, 0, "parts.arch");
    expect(prim!.contents.value).toMatch(
      /^```arch\ntranspose\(x: tensor, a: int, b: int\)\n```\n\nprimitive \(layout\)\. /,
    );
  });
});

describe("completion", () => {
  const labels = async (text: string, line: number, ch: number, file = "scratch.arch") => {
    await c.open(file, text);
    const items = await c.at<
      { label: string; insertText?: string; detail?: string; additionalTextEdits?: unknown[] }[]
    >("textDocument/completion", file, line, ch);
    return items;
  };

  test("hyperparameters with their defaults inside a call", async () => {
    const text = `import { Linear } from "std/nn"\nmodel M = Linear(4, )\n`;
    const items = await labels(text, 1, 20);
    const hp = items.filter((i) => i.insertText?.endsWith(" = "));
    expect(hp.map((i) => [i.label, i.detail])).toEqual([
      ["in =", "in: dim"],
      ["out =", "out: dim"],
      ["bias =", "bias: bool = true"],
    ]);
  });

  test("block names from imports and stdlib (with the import edit), primitives, keywords", async () => {
    const text = `import { Linear } from "std/nn"\nmodel M = \n`;
    const items = await labels(text, 1, 10);
    const names = items.map((i) => i.label);
    expect(names).toContain("Linear");
    expect(names).toContain("einsum");
    expect(names).toContain("block");
    const rms = items.find((i) => i.label === "RMSNorm")!;
    expect(rms.additionalTextEdits).toEqual([{ range: r(0, 15, 0, 15), newText: ", RMSNorm" }]);
    const mha = items.find((i) => i.label === "MultiHeadAttention")!;
    expect(mha.additionalTextEdits).toEqual([
      { range: r(1, 0, 1, 0), newText: 'import { MultiHeadAttention } from "std/attention"\n' },
    ]);
  });

  test("dims in a shape annotation", async () => {
    const text = `block K(d: dim, n: int) {\n  let h = d * 2\n  forward(x: [B, d]) -> y: [B, ] {\n    return x\n  }\n}\n`;
    const items = await labels(text, 2, 31);
    expect(items.map((i) => i.label)).toEqual(["d", "n", "h", "B", "T", "...S"]);
  });

  test("import paths and imported names", async () => {
    const text = `import "std/"\n`;
    const items = await labels(text, 0, 12);
    const std = readdirSync(join(import.meta.dirname, "..", "..", "stdlib"))
      .filter((n) => n.endsWith(".arch"))
      .sort()
      .map((n) => `std/${n.slice(0, -5)}`);
    expect(std).toContain("std/nn");
    expect(items.map((i) => i.label).filter((l) => l.startsWith("std/"))).toEqual(std);
    const rel = await labels(`import "./"\n`, 0, 10);
    expect(rel.map((i) => i.label)).toContain("./parts");
    const names = await labels(`import {  } from "std/ffn"\n`, 0, 9);
    expect(names.map((i) => i.label)).toContain("HourglassFFN");
  });
});

describe("navigation", () => {
  test("definition: into another file, into the stdlib, and of a keyword argument", async () => {
    const p = pos(MAIN, "Split(d");
    expect(await c.at("textDocument/definition", "main.arch", p.line, p.character)).toEqual({
      uri: c.uri("parts.arch"),
      range: r(1, 6, 1, 11),
    });
    const l = pos(MAIN, "Linear(d, hidden)");
    const def = await c.at<{ uri: string; range: unknown }>(
      "textDocument/definition",
      "main.arch",
      l.line,
      l.character,
    );
    expect(def.uri).toMatch(/stdlib\/nn\.arch$/);
    expect(def.range).toEqual(r(5, 6, 5, 12));
    const kw = pos(MAIN, "heads = 10");
    expect(await c.at("textDocument/definition", "main.arch", kw.line, kw.character)).toEqual({
      uri: c.uri("parts.arch"),
      range: r(1, 20, 1, 25),
    });
  });

  test("references across files", async () => {
    const p = pos(PARTS, "heads: dim");
    const refs = await c.at<{ uri: string; range: unknown }[]>(
      "textDocument/references",
      "parts.arch",
      p.line,
      p.character,
      {
        context: { includeDeclaration: true },
      },
    );
    expect(refs).toEqual([
      { uri: c.uri("main.arch"), range: r(15, 29, 15, 34) },
      { uri: c.uri("parts.arch"), range: r(1, 20, 1, 25) },
      { uri: c.uri("parts.arch"), range: r(2, 15, 2, 20) },
    ]);
  });

  test("rename a hyperparameter across files; refused for the stdlib and for clashes", async () => {
    const p = pos(PARTS, "heads: dim");
    const edit = await c.at<{ changes: Record<string, { range: unknown; newText: string }[]> }>(
      "textDocument/rename",
      "parts.arch",
      p.line,
      p.character,
      { newName: "groups" },
    );
    expect(edit.changes).toEqual({
      [c.uri("main.arch")]: [{ range: r(15, 29, 15, 34), newText: "groups" }],
      [c.uri("parts.arch")]: [
        { range: r(1, 20, 1, 25), newText: "groups" },
        { range: r(2, 15, 2, 20), newText: "groups" },
      ],
    });
    const l = pos(MAIN, "Linear(d, hidden)");
    await expect(
      c.at("textDocument/rename", "main.arch", l.line, l.character, { newName: "Lin" }),
    ).rejects.toThrow(/standard library/);
    await expect(
      c.at("textDocument/rename", "parts.arch", p.line, p.character, { newName: "d" }),
    ).rejects.toThrow(/already declared/);
    await expect(
      c.at("textDocument/rename", "parts.arch", p.line, p.character, { newName: "layer" }),
    ).rejects.toThrow(/reserved/);
  });

  test("rename a block: its declaration, the import and the uses in other files", async () => {
    const p = pos(PARTS, "Split(");
    const edit = await c.at<{ changes: Record<string, { range: unknown; newText: string }[]> }>(
      "textDocument/rename",
      "parts.arch",
      p.line,
      p.character,
      { newName: "Splitter" },
    );
    expect(edit.changes).toEqual({
      [c.uri("main.arch")]: [
        { range: r(1, 9, 1, 14), newText: "Splitter" },
        { range: r(15, 14, 15, 19), newText: "Splitter" },
      ],
      [c.uri("parts.arch")]: [{ range: r(1, 6, 1, 11), newText: "Splitter" }],
    });
    // `Heads` (a model) is visible in main.arch, so a block it imports cannot take its name.
    await expect(
      c.at("textDocument/rename", "parts.arch", p.line, p.character, { newName: "Heads" }),
    ).rejects.toThrow(/'Heads' is already visible in main.arch/);
  });

  test("document and workspace symbols", async () => {
    const syms = await c.request<
      { name: string; kind: number; range: unknown; children?: { name: string }[] }[]
    >("textDocument/documentSymbol", { textDocument: { uri: c.uri("main.arch") } });
    expect(syms.map((s) => [s.name, s.kind, s.range])).toEqual([
      ["Mix", 5, r(4, 0, 12, 1)],
      ["Small", 14, r(14, 0, 14, 24)],
      ["Heads", 14, r(15, 0, 15, 40)],
    ]);
    expect(syms[0]!.children!.map((s) => s.name)).toEqual(["d", "hidden", "up", "down", "forward"]);
    const ws = await c.request<{ name: string; location: { uri: string } }[]>("workspace/symbol", {
      query: "split",
    });
    expect(ws.map((s) => [s.name, s.location.uri])).toEqual([["Split", c.uri("parts.arch")]]);
  });
});

describe("editing aids", () => {
  test("formatting is archc fmt", async () => {
    const text = `block   F(d:dim){\nforward(x:[d])->y:[d]{return x}}\n`;
    await c.open("fmt.arch", text);
    const edits = await c.request<{ range: unknown; newText: string }[]>(
      "textDocument/formatting",
      {
        textDocument: { uri: c.uri("fmt.arch") },
        options: { tabSize: 2, insertSpaces: true },
      },
    );
    expect(edits).toEqual([
      {
        range: r(0, 0, 2, 0),
        newText: "block F(d: dim) {\n  forward(x: [d]) -> y: [d] {\n    return x\n  }\n}\n",
      },
    ]);
  });

  test("signature help", async () => {
    const text = `import { Linear } from "std/nn"\nmodel M = Linear(4, bias = \n`;
    await c.open("sig.arch", text);
    const h = await c.at<{ signatures: { label: string }[]; activeParameter: number }>(
      "textDocument/signatureHelp",
      "sig.arch",
      1,
      27,
    );
    expect(h.signatures[0]!.label).toBe("Linear(in: dim, out: dim, bias: bool = true)");
    expect(h.activeParameter).toBe(2);
  });

  test("folding ranges", async () => {
    const f = await c.request<{ startLine: number; endLine: number; kind?: string }[]>(
      "textDocument/foldingRange",
      {
        textDocument: { uri: c.uri("main.arch") },
      },
    );
    expect(f).toEqual([
      { startLine: 0, endLine: 1, kind: "imports" },
      { startLine: 4, endLine: 12 },
      { startLine: 8, endLine: 11 },
    ]);
  });

  test("semantic tokens", async () => {
    const t = await c.request<{ data: number[] }>("textDocument/semanticTokens/full", {
      textDocument: { uri: c.uri("parts.arch") },
    });
    const rows: number[][] = [];
    for (let i = 0; i < t.data.length; i += 5) rows.push(t.data.slice(i, i + 5));
    // line delta, char, length, type (legend index), modifiers
    expect(rows.slice(0, 6)).toEqual([
      [1, 6, 5, 0, 1], // Split: class, declaration
      [0, 6, 1, 4, 3], // d: parameter, declaration readonly
      [0, 3, 3, 8, 4], // dim: type, defaultLibrary
      [0, 5, 5, 4, 3], // heads
      [0, 7, 3, 8, 4], // dim
      [1, 6, 2, 3, 3], // hd: variable (let), declaration readonly
    ]);
  });

  test("code action: add a missing import", async () => {
    const text = `model M = RMSNorm(d = 4)\n`;
    const d = await c.open("imp.arch", text);
    const acts = await c.request<{ title: string; edit: { changes: Record<string, unknown[]> } }[]>(
      "textDocument/codeAction",
      { textDocument: { uri: c.uri("imp.arch") }, range: d[0]!.range, context: { diagnostics: d } },
    );
    expect(acts.map((a) => a.title)).toEqual([`Import 'RMSNorm' from "std/nn"`]);
    expect(acts[0]!.edit.changes[c.uri("imp.arch")]).toEqual([
      { range: r(0, 0, 0, 0), newText: 'import { RMSNorm } from "std/nn"\n\n' },
    ]);
  });

  test("code action: nearest divisor for a non-divisible dim", async () => {
    const text = `import { MultiHeadAttention } from "std/attention"\nmodel N = MultiHeadAttention(d = 768, heads = 10)\n`;
    const d = await c.open("div.arch", text);
    const acts = await c.request<
      { title: string; isPreferred: boolean; edit: { changes: Record<string, unknown[]> } }[]
    >("textDocument/codeAction", {
      textDocument: { uri: c.uri("div.arch") },
      range: d[0]!.range,
      context: { diagnostics: d },
    });
    expect(acts.map((a) => [a.title, a.isPreferred])).toEqual([
      ["Change heads to 8 (768 / 8 = 96)", false],
      ["Change heads to 12 (768 / 12 = 64)", true],
    ]);
    expect(acts[1]!.edit.changes[c.uri("div.arch")]).toEqual([
      { range: r(1, 46, 1, 48), newText: "12" },
    ]);
  });

  test("the server survives requests on unknown documents and bad positions", async () => {
    expect(await c.at("textDocument/hover", "nowhere.arch", 0, 0)).toBeNull();
    expect(await c.at("textDocument/hover", "main.arch", 999, 999)).toBeNull();
    expect(await c.at("textDocument/definition", "main.arch", -1, -5)).toBeNull();
  });
});

describe("more names", () => {
  const ALIAS = `import "std/nn" as nn

/// Scales by a learned vector.
block S(d: dim) {
  layer lin = nn.Linear(d, d)
  param g: [d] = ones
  tie g = lin.bias

  forward(x: [B, d]) -> y: [B, d] {
    let z = lin(x) * g
    return z + lin.weight[0]
  }
}
`;

  test("a module alias: hover, definition of its members, members after '.'", async () => {
    await c.open("alias.arch", ALIAS);
    const h = await c.at<{ contents: { value: string } }>(
      "textDocument/hover",
      "alias.arch",
      pos(ALIAS, "Linear").line,
      pos(ALIAS, "Linear").character,
    );
    expect(h.contents.value).toContain("block Linear(in: dim, out: dim, bias: bool = true)");
    const p = pos(ALIAS, "weight");
    const def = await c.at<{ uri: string; range: unknown }>(
      "textDocument/definition",
      "alias.arch",
      p.line,
      p.character,
    );
    expect(def.uri).toMatch(/stdlib\/nn\.arch$/);
    expect(def.range).toEqual(r(7, 8, 7, 14));
    const items = await c.at<{ label: string }[]>("textDocument/completion", "alias.arch", 10, 20);
    expect(items.map((i) => i.label)).toEqual(["weight", "bias"]);
    const mod = await c.at<{ label: string }[]>("textDocument/completion", "alias.arch", 4, 17);
    expect(mod.map((i) => i.label)).toContain("LayerNorm");
  });

  test("document highlights: the declaration and every use in the file", async () => {
    const p = pos(ALIAS, "lin(x)");
    const hl = await c.at<{ range: unknown; kind: number }[]>(
      "textDocument/documentHighlight",
      "alias.arch",
      p.line,
      p.character,
    );
    expect(hl).toEqual([
      { range: r(4, 8, 4, 11), kind: 3 },
      { range: r(6, 10, 6, 13), kind: 2 },
      { range: r(9, 12, 9, 15), kind: 2 },
      { range: r(10, 15, 10, 18), kind: 2 },
    ]);
  });

  test("prepareRename: the name's range, or a refusal for built-ins", async () => {
    const p = pos(ALIAS, "z +");
    expect(await c.at("textDocument/prepareRename", "alias.arch", p.line, p.character)).toEqual(
      r(10, 11, 10, 12),
    );
    const o = pos(ALIAS, "ones");
    await expect(
      c.at("textDocument/prepareRename", "alias.arch", o.line, o.character),
    ).rejects.toThrow(/built into the language/);
  });

  test("rename a local: only its own forward", async () => {
    const p = pos(ALIAS, "let z");
    const edit = await c.at<{ changes: Record<string, { range: unknown }[]> }>(
      "textDocument/rename",
      "alias.arch",
      p.line,
      p.character + 4,
      { newName: "w" },
    );
    expect(edit.changes[c.uri("alias.arch")]!.map((e) => e.range)).toEqual([
      r(9, 8, 9, 9),
      r(10, 11, 10, 12),
    ]);
    await expect(
      c.at("textDocument/rename", "alias.arch", p.line, p.character + 4, { newName: "x" }),
    ).rejects.toThrow(/already declared/);
  });
});
