#!/usr/bin/env node
/**
 * The `archc` command. A thin shell over the compiler API: it parses arguments, reads files,
 * prints diagnostics and sets the exit code (0 ok, 1 errors or changes found, 2 usage).
 */
import { Command, CommanderError } from "commander";
import { archcVersion } from "./version.js";
import { checkCommand } from "./check.js";
import { fmtCommand } from "./fmt.js";
import { buildCommand, type BuildOptions } from "./build.js";
import { infoCommand } from "./info.js";
import { initCommand } from "./init.js";
import { runCommand, type RunOptions } from "./run.js";

// A reader that stops early (`archc build ... | head`) closes the pipe: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const program = new Command()
  .name("archc")
  .description("Compiler for .arch, a declarative language for neural-network architectures.")
  .version(archcVersion(), "-V, --version", "print the archc version")
  .helpOption("-h, --help", "show help")
  .showHelpAfterError("(run archc --help for usage)")
  .exitOverride();

program
  .command("check")
  .description("check .arch files and print every diagnostic (exit 1 on errors)")
  .argument("<paths...>", ".arch files or directories")
  .action((paths: string[]) => {
    process.exitCode = checkCommand(paths);
  });

program
  .command("fmt")
  .description(
    "format .arch files in place in the canonical layout ('-' reads stdin, writes stdout)",
  )
  .argument("<paths...>", ".arch files or directories")
  .option("--check", "write nothing; list the files that would change and exit 1 if any")
  .action((paths: string[], opts: { check?: boolean }) => {
    process.exitCode = fmtCommand(paths, { check: opts.check === true });
  });

program
  .command("info")
  .description(
    "parameters of every block instance of a model, and its FLOPs and bytes moved per token",
  )
  .argument("<file>", "the .arch file")
  .requiredOption(
    "-m, --model <model>",
    "a model of the file, or a block instantiation such as 'HourglassFFN(d = 768, narrow = 640)'",
  )
  .option("--set <sizes...>", "runtime sizes for the FLOP count, e.g. T=1024 (B is 1)", [])
  .option("--json", "print the report as JSON (see spec/cli.md)")
  .action((file: string, opts: { model: string; set: string[]; json?: boolean }) => {
    process.exitCode = infoCommand(file, {
      model: opts.model,
      set: opts.set,
      json: opts.json === true,
    });
  });

program
  .command("init")
  .description("draw a model's parameters from their initializers (and example inputs)")
  .argument("<file>", "the .arch file")
  .requiredOption("-m, --model <model>", "a model of the file, or a block instantiation")
  .requiredOption("-o, --output <weights>", "the safetensors file to write")
  .option("--seed <seed>", "seed of the deterministic generator", "0")
  .option(
    "--example-inputs <inputs>",
    "also write random inputs of the right names, dtypes and shapes",
  )
  .option("--set <sizes...>", "runtime sizes for the example inputs, e.g. B=2,T=16", [])
  .action(
    (
      file: string,
      opts: { model: string; output: string; seed: string; exampleInputs?: string; set: string[] },
    ) => {
      process.exitCode = initCommand(file, opts);
    },
  );

program
  .command("run")
  .description("run a model on inputs from a safetensors file, writing its outputs to another")
  .argument("<file>", "the .arch file")
  .requiredOption("-m, --model <model>", "a model of the file, or a block instantiation")
  .requiredOption("--weights <weights>", "the parameters (safetensors, named by checkpoint path)")
  .requiredOption("--inputs <inputs>", "the inputs (safetensors, named as the model's inputs)")
  .requiredOption("-o, --output <outputs>", "the safetensors file to write the outputs to")
  .option("--set <sizes...>", "runtime sizes to check the inputs against, e.g. T=16", [])
  .option(
    "--backend <backend>",
    "where to run: reference (the CPU interpreter) or webgpu (default: $ARCHC_BACKEND, else reference)",
  )
  .option(
    "--adapter <adapter>",
    "the WebGPU adapter: auto, gpu, llvmpipe or null (default: $ARCHC_ADAPTER, else auto)",
  )
  .option("--no-fuse", "no optimizer: one kernel per primitive (the baseline)")
  .option("-v, --verbose", "print the adapter, kernel counts and timings on stderr")
  .action(async (file: string, opts: RunOptions) => {
    process.exitCode = await runCommand(file, opts);
  });

program
  .command("build")
  .description(
    "compile a model: print its graph IR, WebGPU schedule or kernels (--emit), or generate TypeScript classes (--target ts) or CUDA C++ (--target cuda)",
  )
  .argument("<file>", "the .arch file")
  .option(
    "-m, --model <model>",
    "a model of the file, or a block instantiation (--target ts: every model when absent)",
  )
  .option("--emit <what>", "what to print: ir, ir-json, schedule or wgsl")
  .option(
    "--target <target>",
    "what to generate instead: ts (TypeScript model classes) or cuda (CUDA C++ and a runner)",
  )
  .option("-o, --output <dir>", "--target: the directory to write into")
  .option("--set <sizes...>", "sizes that fix a variadic input's rank, e.g. S1=2,S2=16", [])
  .option("--no-fuse", "--emit and --target cuda: one kernel per primitive, no optimizer")
  .option(
    "--capture <paths...>",
    "--target ts: block instances forward() can capture, e.g. layers.*.ffn or all",
    [],
  )
  .action(async (file: string, opts: BuildOptions) => {
    process.exitCode = await buildCommand(file, opts);
  });

program
  .command("lsp")
  .description("run the language server (JSON-RPC over stdin/stdout; see spec/lsp.md)")
  .option("--stdio", "talk over stdin and stdout (the only transport)")
  .action(async () => {
    // Loaded only here: the other commands do not pay for the LSP libraries.
    const { runStdio } = await import("../lsp/server.js");
    runStdio();
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; usage errors (already printed by commander) exit 2.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    throw e;
  }
}
