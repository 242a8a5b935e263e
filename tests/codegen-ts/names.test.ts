/** Mapping `.arch` names to TypeScript identifiers, and `.arch` text in generated comments. */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { modelNames } from "../../compiler/codegen/ts/generate.js";
import {
  commentText,
  docText,
  toIdentifier,
  toTypeName,
  uniqueIdentifiers,
} from "../../compiler/codegen/ts/names.js";

describe("toIdentifier", () => {
  it.each([
    ["tokens", "tokens"],
    ["class", "class_"],
    ["delete", "delete_"],
    ["await", "await_"],
    ["constructor", "constructor_"],
    ["__proto__", "__proto___"],
    ["my-layer", "my_layer"],
    ["3d", "_3d"],
    ["a.b", "a_b"],
    ["", "_"],
    ["x */ y", "x____y"],
    ["ünï", "_n_"],
  ])("%j -> %j", (name, id) => {
    expect(toIdentifier(name)).toBe(id);
  });

  it("always gives a valid identifier that is not a keyword", () => {
    for (const name of ["class", "new", "function", "let", "yield", "x y", "1", "$a", "if"]) {
      const id = toIdentifier(name);
      const sf = ts.createSourceFile("t.ts", `let ${id} = 1;`, ts.ScriptTarget.ES2022);
      const diags = (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics;
      expect(diags, id).toEqual([]);
      expect(ts.identifierToKeywordKind(ts.factory.createIdentifier(id)), id).toBeUndefined();
    }
  });
});

describe("toTypeName and modelNames", () => {
  it("capitalizes, then maps", () => {
    expect(toTypeName("default")).toBe("Default");
    expect(toTypeName("tinyGPT")).toBe("TinyGPT");
    expect(toTypeName("x-y")).toBe("X_y");
  });

  it("keeps class names clear of the runtime's and the module's names", () => {
    expect(modelNames("Tensor").className).toBe("TensorModel");
    expect(modelNames("Schedule").className).toBe("ScheduleModel");
    expect(modelNames("schedule").className).toBe("ScheduleModel");
    expect(modelNames("TinyGPT")).toEqual({
      className: "TinyGPT",
      config: "TinyGPTConfig",
      configConst: "tinyGPTConfig",
      inputs: "TinyGPTInputs",
      outputs: "TinyGPTOutputs",
      options: "TinyGPTOptions",
      capture: "TinyGPTCapture",
    });
  });

  it("camel-cases the config constant like hand-written code", () => {
    expect(modelNames("GPT2Small").configConst).toBe("gpt2SmallConfig");
    expect(modelNames("HTMLModel").configConst).toBe("htmlModelConfig");
    expect(modelNames("MixerTiny").configConst).toBe("mixerTinyConfig");
  });

  it("keeps the models of one index apart, ignoring case (file names)", () => {
    const first = modelNames("default");
    expect(first.className).toBe("Default");
    expect(modelNames("Default", [first]).className).toBe("DefaultModel");
    expect(modelNames("DEFAULT", [first, modelNames("Default", [first])]).className).toBe(
      "DEFAULTModel2",
    );
  });
});

describe("uniqueIdentifiers", () => {
  it("suffixes clashes in order of appearance, deterministically", () => {
    expect(uniqueIdentifiers(["a-b", "a_b", "a.b", "c"])).toEqual(["a_b", "a_b_2", "a_b_3", "c"]);
    expect(uniqueIdentifiers(["x"], ["x"])).toEqual(["x_2"]);
  });
});

describe("commentText", () => {
  it("cannot close a comment or end a line comment", () => {
    const hostile = "a */ evil() /* b\r\nc\u2028d\u2029e\u0085f";
    const text = commentText(hostile);
    expect(text).not.toContain("*/");
    expect(text).not.toMatch(/[\r\u2028\u2029\u0085]/);
    expect(text).toBe("a *\\/ evil() /* b\nc\nd\ne\nf");
  });

  it("docText wraps long lines at spaces and keeps fenced code", () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    for (const line of docText(long, 40).split("\n")) expect(line.length).toBeLessThanOrEqual(40);
    expect(docText("```ts\n" + long + "\n```", 40)).toBe("```ts\n" + long + "\n```");
  });
});
