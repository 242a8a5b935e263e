/**
 * Fuzzing the front end: whatever the bytes, `loadBytes`/`parse` return a tree and diagnostics,
 * never throw, never hang, and every diagnostic is well-formed (a registered code, a span inside
 * the text, renderable). spec/language.md §1: "bad input is refused with a diagnostic, never a
 * crash".
 *
 * Two parts:
 *
 * - mutation fuzzing, in this process: the `.arch` files of stdlib/ and examples/ and a built-in
 *   program are mutated (tokens and characters deleted, duplicated, swapped, replaced; punctuation,
 *   keywords, control characters and invalid UTF-8 inserted; truncation). Seeded and bounded, so it
 *   runs in every CI run; FUZZ_SEED and FUZZ_MUTANTS change the seed and the number of mutants;
 * - pathological inputs (10 MB files, 100,000-deep nesting, a 1,000,000-term sum, ...), each in a
 *   child process with a deadline, so that a hang or an out-of-memory crash fails one test instead
 *   of stalling the suite. The child runs the TypeScript sources, transpiled to a temporary folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from "vitest";
import { CODES } from "../../compiler/diagnostics/codes.js";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import { loadBytes, loadText, type LoadedFile } from "../../compiler/load.js";
import { formatModule } from "../../grammar/format.js";
import { archLexer } from "../../grammar/lexer.js";
import { parse } from "../../grammar/parse.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

// ------------------------------------------------------------------------------ the corpus

/** A realistic program touching most of the grammar, so the fuzzer has material in any checkout. */
export const CORPUS = `/// A small model zoo: every construct of the language in one file.
import "std/nn"
import "std/attention" as attn
import { Linear, RMSNorm as Norm, silu } from "std/nn"

/// Any block that maps [..., d] -> [..., d].
interface FFN(d: dim) {
  forward(x: [...S, d]) -> y: [...S, d]
}

/// GELU with the tanh approximation (GPT-2).
fn gelu_tanh(x) = 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))

fn softmax(x, axis: int = -1) {
  let e = exp(x - max(x, axis, keepdim = true))
  return e / sum(e, axis, keepdim = true)
}

/// A SwiGLU feed-forward network: w2(silu(w1 x) * w3 x).
block SwiGLU(d: dim, hidden: dim = 4 * d, act: fn = silu) {
  layer w1 = Linear(d, hidden, bias = false) // gate
  layer w3 = Linear(d, hidden, bias = false) /* value */
  layer w2 = Linear(hidden, d, bias = false)

  forward(x: [...S, d]) -> y: [...S, d] {
    return w2(act(w1(x)) * w3(x))
  }
}

block Attention(
  d: dim,
  heads: int,
  causal: bool = true,
  layout: enum { interleaved, half } = half,
  range: (float, float) = (-1.0, 1.0),
) {
  requires heads >= 1 && d % heads == 0 else "d={d} must split evenly into heads={heads}"
  let hd = d / heads
  layer qkv = Linear(d, 3 * d)
  layer proj = Linear(d, d)
  param scale: [heads] = ones
  param bias_table: f32[(2 * 7 - 1) ** 2, heads] = trunc_normal(std = 0.02, a = -2.0, b = 2.0)
  if causal {
    let mask_value = -inf
  } else if layout == half {
    param extra: [1_000] = 1e-5
  } else {
    requires !causal
  }

  forward(x: [B, T, d], pos: i32[T]) -> (y: [B, T, d], w: [B, heads, T, T]) {
    let (q, k, v) = split(qkv(x), 3, axis = -1)
    let qh: [B, heads, T, hd] = rearrange(q, "b t (h e) -> b h t e", h = heads)
    let scores = qh @ transpose(k, -1, -2) * (1.0 / sqrt(hd))
    let masked = if causal then where(reshape(arange(T), [T, 1]) >= pos, scores, -inf) else scores
    let w = softmax(masked, -1)
    requires T <= 4096 else "sequence longer than the context window \\{4096\\}\\n"
    return (proj(w @ v), w[..., 0:T, ::2])
  }
}

block DecoderLM(vocab: dim, d: dim, layers: int, ctx: dim, block: block, ffn: FFN(d) = SwiGLU(d)) {
  param embed: [vocab, d] = normal(std = 0.02)
  layer blocks = stack layers of block(d)
  layer mixers = repeat i in 0..layers => ffn(window = if i % 2 == 0 then 7 else 0)
  layer head = Linear(d, vocab, bias = false)
  tie head.weight = embed

  forward(ids: i32[B, T]) -> logits: [B, T, vocab] {
    requires T <= ctx
    let h = blocks(take(embed, ids, axis = 0))
    return head(h[:, -1:, :])
  }
}

let width = 64
model Tiny = DecoderLM(vocab = 256, d = width, layers = 2, ctx = 64, block = Attention(heads = 4))
  with B = 2, T = 16
model Wide = DecoderLM(256, 128, 4, 128, block = attn.MultiHeadAttention(heads = 8)) with B = 1, T = (8,)
`;

function archFilesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(ROOT, dir), { recursive: true }) as string[];
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".arch"))
    .sort()
    .map((n) => join(dir, n));
}

const corpus: { name: string; text: string }[] = [
  { name: "<built-in corpus>", text: CORPUS },
  ...["stdlib", "examples"]
    .flatMap(archFilesUnder)
    .map((f) => ({ name: f, text: readFileSync(join(ROOT, f), "utf8") })),
];

// ------------------------------------------------------------------------------ invariants

const CODE_SET = new Set(Object.keys(CODES));
const SEVERITIES = new Set(["error", "warning", "note"]);

/** Problems with the diagnostics of `file`; empty when all is well. */
function diagnosticProblems(file: LoadedFile): string[] {
  const problems: string[] = [];
  const n = file.text.length;
  const checkSpan = (what: string, d: Diagnostic, span: { start: number; end: number }) => {
    const ok =
      Number.isInteger(span.start) &&
      Number.isInteger(span.end) &&
      0 <= span.start &&
      span.start <= span.end &&
      span.end <= n;
    if (!ok) problems.push(`${d.code} ${what} span ${JSON.stringify(span)} outside [0, ${n}]`);
  };
  for (const d of file.diagnostics) {
    if (!CODE_SET.has(d.code)) problems.push(`unregistered code ${d.code}: ${d.message}`);
    if (!SEVERITIES.has(d.severity)) problems.push(`${d.code}: bad severity ${d.severity}`);
    if (typeof d.message !== "string" || d.message.length === 0)
      problems.push(`${d.code}: empty message`);
    if (d.location.file !== file.path) problems.push(`${d.code}: file ${d.location.file}`);
    checkSpan("primary", d, d.location.span);
    for (const r of d.related) checkSpan("related", d, r.location.span);
  }
  return problems;
}

/** Spans of tree nodes that are not inside the text. */
function treeSpanProblems(file: LoadedFile): string[] {
  const problems: string[] = [];
  const n = file.text.length;
  const stack: unknown[] = [file.module];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    const o = node as { kind?: string; span?: { start: number; end: number } };
    if (o.kind && o.span) {
      const { start, end } = o.span;
      if (!(0 <= start && start <= end && end <= n))
        problems.push(`${o.kind} span ${JSON.stringify(o.span)} outside [0, ${n}]`);
    }
    for (const [k, v] of Object.entries(o))
      if (k !== "span" && typeof v === "object") stack.push(v);
  }
  return problems;
}

function render(file: LoadedFile, color: boolean): string {
  return renderDiagnostics(file.diagnostics, new Map([[file.path, file.source]]), { color });
}

// ------------------------------------------------------------------------------ mutation

/** mulberry32: a small seeded generator, so every run fuzzes the same mutants. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const MUTANTS_PER_FILE = Number(process.env.FUZZ_MUTANTS ?? 300);
/** Generous: a mutant of a few kilobytes parses in milliseconds. */
const MUTANT_DEADLINE_MS = 2000;

/** What mutations insert: punctuation (valid and not), keywords, odd numbers and characters. */
const INSERTS = [
  ..."( ) [ ] { } , ; : . .. ... = => -> @ + - * / % **".split(" "),
  ..."== != < <= > >= && || ! ^ ? # $ ` ' \" \\".split(" "),
  ..."// /* */ /// \n \t \r\n".split(" "),
  ..."import interface fn model param layer let requires else tie".split(" "),
  ..."if then forward return repeat stack enum true false".split(" "),
  ..."block in from as of with x _".split(" "),
  ..."0 1e 1_ 1. 0x1F 1e-5".split(" "),
  "9".repeat(400),
  '"unterminated',
  '"\\q"',
  " ",
  ..."\u0000 \u0007 \u007f \u00a0 \u200b \u2028 \ufeff \ufffd \ud800 \udc00".split(" "),
  ..."é 中 😀 “ ” − ×".split(" "),
];

/** Bytes that start, continue or break UTF-8 sequences (overlong, surrogate, out of range). */
const ODD_BYTES = [0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff];

type Mutant = { text: string } | { bytes: Uint8Array };

function mutate(text: string, random: () => number): Mutant {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  let s = text;
  const steps = 1 + int(4);
  for (let step = 0; step < steps; step++) {
    const lexed = archLexer.tokenize(s);
    const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])].map((t) => ({
      start: t.startOffset,
      end: t.startOffset + t.image.length,
    }));
    const tok = tokens.length > 0 ? pick(tokens) : { start: 0, end: 0 };
    const at = int(s.length + 1);
    switch (int(10)) {
      case 0: // delete a token
        s = s.slice(0, tok.start) + s.slice(tok.end);
        break;
      case 1: // duplicate a token
        s = s.slice(0, tok.end) + " " + s.slice(tok.start, tok.end) + s.slice(tok.end);
        break;
      case 2: {
        // swap two tokens
        const other = tokens.length > 0 ? pick(tokens) : tok;
        const [a, b] = tok.start <= other.start ? [tok, other] : [other, tok];
        if (a.end <= b.start)
          s =
            s.slice(0, a.start) +
            s.slice(b.start, b.end) +
            s.slice(a.end, b.start) +
            s.slice(a.start, a.end) +
            s.slice(b.end);
        break;
      }
      case 3: // replace a token
        s = s.slice(0, tok.start) + pick(INSERTS) + s.slice(tok.end);
        break;
      case 4: // insert punctuation, a keyword or an odd character
        s = s.slice(0, at) + pick(INSERTS) + s.slice(at);
        break;
      case 5: {
        // delete a character range
        const len = 1 + int(20);
        s = s.slice(0, at) + s.slice(at + len);
        break;
      }
      case 6: {
        // duplicate a character range
        const len = 1 + int(200);
        s = s.slice(0, at + len) + s.slice(at, at + len) + s.slice(at + len);
        break;
      }
      case 7: // truncate
        s = s.slice(0, at);
        break;
      case 8: {
        // move a line elsewhere
        const lines = s.split("\n");
        const [line] = lines.splice(int(lines.length), 1);
        lines.splice(int(lines.length + 1), 0, line ?? "");
        s = lines.join("\n");
        break;
      }
      case 9: // one random character
        s = s.slice(0, at) + String.fromCharCode(int(0x3000)) + s.slice(at);
        break;
    }
  }
  if (random() < 0.2) {
    // Random bytes, often not UTF-8: overwrite or insert a few.
    const bytes = Buffer.from(s, "utf8");
    const out = [...bytes];
    const count = 1 + int(8);
    for (let i = 0; i < count; i++) {
      const pos = int(out.length + 1);
      const byte = random() < 0.2 ? int(256) : pick(ODD_BYTES);
      if (random() < 0.5 && pos < out.length) out[pos] = byte;
      else out.splice(pos, 0, byte);
    }
    return { bytes: Uint8Array.from(out) };
  }
  return { text: s };
}

function load(m: Mutant, path: string): LoadedFile {
  return "bytes" in m ? loadBytes(path, m.bytes) : loadText(path, m.text);
}

describe("mutation fuzzing (seeded)", () => {
  it("has a corpus", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(1);
    // The built-in program is valid: mutants start from a program that parses.
    expect(parse(CORPUS, "corpus.arch").diagnostics).toEqual([]);
  });

  it.each(corpus.map((c, i) => [c.name, i] as const))(
    "%s: mutants never crash, diagnostics are well-formed",
    (name, index) => {
      const { text } = corpus[index]!;
      const random = rng(SEED + index * 7919);
      const failures: string[] = [];
      for (let i = 0; i < MUTANTS_PER_FILE && failures.length < 5; i++) {
        const mutant = mutate(text, random);
        const path = `mutant-${i}.arch`;
        const describeMutant = () =>
          "bytes" in mutant
            ? `bytes ${Buffer.from(mutant.bytes).toString("base64")}`
            : JSON.stringify(mutant.text);
        const t0 = performance.now();
        let file: LoadedFile;
        try {
          file = load(mutant, path);
        } catch (e) {
          failures.push(`threw ${String(e)} on ${describeMutant()}`);
          continue;
        }
        const ms = performance.now() - t0;
        if (ms > MUTANT_DEADLINE_MS)
          failures.push(`took ${ms.toFixed(0)} ms on ${describeMutant()}`);
        const problems = [...diagnosticProblems(file), ...treeSpanProblems(file)];
        if (problems.length > 0) failures.push(`${problems.join("; ")} on ${describeMutant()}`);
        try {
          render(file, false);
          render(file, true);
        } catch (e) {
          failures.push(`rendering threw ${String(e)} on ${describeMutant()}`);
        }
        // A mutant that is still a valid program must format to a valid program.
        if (!file.diagnostics.some((d) => d.severity === "error")) {
          try {
            const out = formatModule(file.module, file.text);
            const again = parse(out, path).diagnostics.map((d) => `${d.code} ${d.message}`);
            if (again.length > 0)
              failures.push(`formatted output has ${again.join(", ")} on ${describeMutant()}`);
          } catch (e) {
            failures.push(`formatting threw ${String(e)} on ${describeMutant()}`);
          }
        }
      }
      expect(failures, `${name}, seed ${SEED}`).toEqual([]);
    },
  );
});

// ------------------------------------------------------------------------------ pathological inputs

/**
 * The child process: builds one pathological input (so no 10 MB string crosses a pipe), loads it,
 * checks the invariants and prints one JSON line. Plain JavaScript over the transpiled sources.
 */
const CHILD = `
import { loadBytes, loadText } from "./compiler/load.js";
import { renderDiagnostics } from "./compiler/diagnostics/render.js";
import { CODES } from "./compiler/diagnostics/codes.js";
import { readFileSync } from "node:fs";

const [name, corpusPath] = process.argv.slice(2);
const corpus = readFileSync(corpusPath, "utf8");
const MB = 10 * 1024 * 1024;
function repeatTo(unit, size) { return unit.repeat(Math.ceil(size / unit.length)); }
function randomBytes(n, seed) {
  const b = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; b[i] = s >>> 24; }
  return b;
}
const CASES = {
  "empty": () => "",
  "only-comments": () => "// one\\n/* two\\n   lines */\\n/// three\\n//// four\\n/**/",
  "nested-parens": () => "let x = " + "(".repeat(100000) + "1" + ")".repeat(100000) + "\\n",
  "realistic-10mb": () => repeatTo(corpus + "\\n", MB),
  "random-10mb": () => randomBytes(MB, 42),
  "sum-1m": () => "let x = " + new Array(1000000).fill("x").join(" + ") + "\\n",
  "unary-100k": () => "let x = " + "-".repeat(100000) + "1\\n",
  "nested-if-100k": () => "let x = " + "if a then b else ".repeat(100000) + "c\\n",
  "if-in-condition-100k": () => "let x = " + "if ".repeat(100000) + "c" + " then a else b".repeat(100000) + "\\n",
  "top-level-lets-200k": () => "let x = 1\\n".repeat(200000),
  "call-args-200k": () => "let x = f(" + new Array(200000).fill("x").join(", ") + ")\\n",
  "error-lines-20k": () => "block A { param }\\n".repeat(20000),
};
const input = CASES[name]();
const t0 = performance.now();
const file = typeof input === "string" ? loadText("p.arch", input) : loadBytes("p.arch", input);
const parseMs = performance.now() - t0;
const n = file.text.length;
const problems = [];
for (const d of file.diagnostics) {
  if (!(d.code in CODES)) problems.push("unregistered code " + d.code);
  for (const s of [d.location.span, ...d.related.map((r) => r.location.span)])
    if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && 0 <= s.start && s.start <= s.end && s.end <= n))
      problems.push(d.code + " span " + JSON.stringify(s) + " outside [0, " + n + "]");
}
const t1 = performance.now();
renderDiagnostics(file.diagnostics, new Map([[file.path, file.source]]), { color: true });
const renderMs = performance.now() - t1;
console.log(JSON.stringify({
  parseMs, renderMs, problems, length: n,
  items: file.module.items.length,
  comments: file.module.comments.length,
  codes: file.diagnostics.map((d) => d.code),
  severities: file.diagnostics.map((d) => d.severity),
}));
`;

interface ChildResult {
  parseMs: number;
  renderMs: number;
  problems: string[];
  length: number;
  items: number;
  comments: number;
  codes: string[];
  severities: string[];
}

interface Outcome {
  result?: ChildResult;
  /** Why there is no result: a timeout, a crash (exit status, signal, stderr). */
  failure?: string;
  wallMs: number;
}

let workDir = "";
/** Children still running (killed when the suite ends, e.g. when a filter skipped their test). */
const running = new Set<ChildProcess>();

/** Transpiles grammar/ and compiler/ (no type checking) into a folder that can import chevrotain. */
function buildChildTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "archc-fuzz-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "junction");
  for (const top of ["grammar", "compiler"]) {
    const files = (readdirSync(join(ROOT, top), { recursive: true }) as string[]).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".d.ts"),
    );
    for (const f of files) {
      const source = readFileSync(join(ROOT, top, f), "utf8");
      const out = ts.transpileModule(source, {
        fileName: f,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: false,
        },
      }).outputText;
      const target = join(dir, top, f.replace(/\.ts$/, ".js"));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, out);
    }
  }
  writeFileSync(join(dir, "child.mjs"), CHILD);
  writeFileSync(join(dir, "corpus.arch"), CORPUS);
  return dir;
}

function runChild(name: string, deadlineMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["child.mjs", name, "corpus.arch"], {
      cwd: workDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, deadlineMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ failure: `could not run: ${String(e)}`, wallMs: performance.now() - t0 });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const wallMs = performance.now() - t0;
      if (timedOut) {
        resolve({ failure: `no result within ${deadlineMs} ms (killed)`, wallMs });
        return;
      }
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        const tail = stderr.trim().split("\n").slice(0, 6).join("\n");
        resolve({ failure: `exit ${code ?? signal}: ${tail}`, wallMs });
        return;
      }
      resolve({ result: JSON.parse(line) as ChildResult, wallMs });
    });
  });
}

interface Case {
  name: string;
  what: string;
  /** Bound on the parse time measured in the child, and (with process start-up) on its life. */
  boundMs: number;
  /** Checks on the result beyond the common ones. */
  check: (r: ChildResult, expect: ExpectStatic) => void;
}

const noDiagnostics = (r: ChildResult, expect: ExpectStatic) => expect(r.codes).toEqual([]);
/** Too deep to handle: refused with an error (A0006 or A0104; A0007 summarizes the rest). */
const refusedAsTooDeep = (r: ChildResult, expect: ExpectStatic) => {
  expect(r.severities).toContain("error");
  for (const c of r.codes) expect(["A0006", "A0104", "A0007"]).toContain(c);
};

/** The slowest first: they start first when the cases run a few at a time. */
const CASES: Case[] = [
  {
    name: "realistic-10mb",
    what: "a 10 MB file (a realistic program repeated)",
    boundMs: 60_000,
    check: (r, expect) => {
      noDiagnostics(r, expect);
      expect(r.items).toBeGreaterThan(1000);
    },
  },
  {
    name: "random-10mb",
    what: "10 MB of random bytes",
    boundMs: 60_000,
    check: (r, expect) => {
      expect(r.codes[0]).toBe("A0001");
      expect(r.codes.length).toBeLessThanOrEqual(102);
    },
  },
  {
    name: "sum-1m",
    what: "a 1,000,000-term sum in one let",
    boundMs: 20_000,
    check: refusedAsTooDeep,
  },
  {
    name: "top-level-lets-200k",
    what: "200,000 top-level lets (2 MB, valid)",
    boundMs: 20_000,
    check: (r, expect) => {
      noDiagnostics(r, expect);
      expect(r.items).toBe(200_000);
    },
  },
  {
    name: "call-args-200k",
    what: "a call with 200,000 arguments (valid)",
    boundMs: 20_000,
    check: noDiagnostics,
  },
  {
    name: "error-lines-20k",
    what: "20,000 lines with a syntax error each",
    boundMs: 10_000,
    check: (r, expect) => {
      expect(r.codes).toContain("A0101");
      expect(r.codes.length).toBeLessThanOrEqual(102);
    },
  },
  {
    name: "nested-parens",
    what: "100,000 nested parentheses",
    boundMs: 10_000,
    check: (r, expect) => expect(r.codes).toContain("A0006"),
  },
  {
    name: "unary-100k",
    what: "100,000 unary minus signs",
    boundMs: 10_000,
    check: refusedAsTooDeep,
  },
  {
    name: "nested-if-100k",
    what: "100,000 nested if expressions (else chain)",
    boundMs: 10_000,
    check: refusedAsTooDeep,
  },
  {
    name: "if-in-condition-100k",
    what: "100,000 if expressions nested in conditions",
    boundMs: 10_000,
    check: refusedAsTooDeep,
  },
  {
    name: "empty",
    what: "an empty file",
    boundMs: 2000,
    check: (r, expect) => {
      noDiagnostics(r, expect);
      expect(r.items).toBe(0);
    },
  },
  {
    name: "only-comments",
    what: "a file of only comments",
    boundMs: 2000,
    check: (r, expect) => {
      noDiagnostics(r, expect);
      expect(r.items).toBe(0);
      expect(r.comments).toBe(5);
    },
  },
];

/** Child processes at once: the big cases need a core (and a few GB) each. */
const PARALLEL = Math.max(2, Math.min(4, availableParallelism() - 1));
/** Start-up and input construction, on top of each case's parse-time bound. */
const STARTUP_MS = 5_000;

/** Runs `task` once fewer than `limit` tasks started through the same limiter are running. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const slot = limiter(PARALLEL);

describe("pathological inputs (each in a child process with a deadline)", () => {
  beforeAll(() => {
    workDir = buildChildTree();
  });

  afterAll(() => {
    for (const child of running) child.kill("SIGKILL");
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // Concurrent (a few children at a time, the slowest cases first), each with its own deadline.
  for (const c of CASES) {
    it.concurrent(c.what, { timeout: 600_000 }, async ({ expect }) => {
      const outcome = await slot(() => runChild(c.name, c.boundMs + STARTUP_MS));
      if (process.env.FUZZ_VERBOSE) {
        const r = outcome.result;
        console.info(
          `${c.name}: ${outcome.failure ?? `parse ${r!.parseMs.toFixed(0)} ms, render ${r!.renderMs.toFixed(0)} ms, ${r!.codes.length} diagnostics`} (child ${outcome.wallMs.toFixed(0)} ms)`,
        );
      }
      expect(outcome.failure, `${c.name}: crashed or hung`).toBeUndefined();
      const r = outcome.result!;
      expect(r.problems, `${c.name}: malformed diagnostics`).toEqual([]);
      expect(
        r.parseMs,
        `${c.name}: parsing took ${r.parseMs.toFixed(0)} ms, the bound is ${c.boundMs} ms`,
      ).toBeLessThan(c.boundMs);
      expect(r.renderMs, `${c.name}: rendering took ${r.renderMs.toFixed(0)} ms`).toBeLessThan(
        5000,
      );
      c.check(r, expect);
    });
  }
});
