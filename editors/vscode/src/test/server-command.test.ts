import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  describeCommand,
  resolveServerCommand,
  whyCannotStart,
  type LookupEnv,
  type ResolveEnv,
} from "../server-command";

function env(
  over: Partial<ResolveEnv> & { files?: string[]; texts?: Record<string, string> },
): ResolveEnv {
  const files = new Set([...(over.files ?? []), ...Object.keys(over.texts ?? {})]);
  return {
    readText: (f) => over.texts?.[f],
    configured: undefined,
    workspaceFolders: ["/home/u/proj"],
    platform: "linux",
    homeDir: "/home/u",
    isFile: (f) => files.has(f),
    ...over,
  };
}

describe("resolveServerCommand", () => {
  it("uses archc on PATH when nothing else is found", () => {
    const cmd = resolveServerCommand(env({}));
    assert.deepEqual(cmd, {
      command: "archc",
      args: ["lsp", "--stdio"],
      shell: false,
      source: "path",
    });
  });

  it("prefers the workspace's node_modules/.bin/archc", () => {
    const bin = "/home/u/proj/node_modules/.bin/archc";
    const cmd = resolveServerCommand(env({ files: [bin] }));
    assert.equal(cmd.command, bin);
    assert.equal(cmd.source, "workspace");
    assert.deepEqual(cmd.args, ["lsp", "--stdio"]);
  });

  it("finds node_modules/.bin/archc in a parent of the folder (a monorepo package)", () => {
    const bin = "/home/u/node_modules/.bin/archc";
    const cmd = resolveServerCommand(env({ workspaceFolders: ["/home/u/proj/pkg"], files: [bin] }));
    assert.equal(cmd.command, bin);
  });

  it("looks at every workspace folder in order", () => {
    const bin = "/work/b/node_modules/.bin/archc";
    const cmd = resolveServerCommand(
      env({ workspaceFolders: ["/work/a", "/work/b"], files: [bin] }),
    );
    assert.equal(cmd.command, bin);
  });

  it("in a checkout of archc itself, runs its build with node", () => {
    const checkout = {
      texts: { "/home/u/proj/package.json": '{ "name": "archc", "bin": {} }' },
      files: ["/home/u/proj/dist/cli/main.js"],
    };
    assert.deepEqual(resolveServerCommand(env(checkout)), {
      command: "node",
      args: ["/home/u/proj/dist/cli/main.js", "lsp", "--stdio"],
      shell: false,
      source: "workspace",
    });
    // Another package with a dist/cli/main.js is not archc.
    const other = { ...checkout, texts: { "/home/u/proj/package.json": '{ "name": "other" }' } };
    assert.equal(resolveServerCommand(env(other)).source, "path");
    // Not built yet: fall back to PATH.
    assert.equal(resolveServerCommand(env({ texts: checkout.texts })).source, "path");
  });

  it("uses the .cmd shim through a shell on Windows", () => {
    const bin = "C:\\proj\\node_modules\\.bin\\archc.cmd";
    const cmd = resolveServerCommand(
      env({ platform: "win32", workspaceFolders: ["C:\\proj"], files: [bin] }),
    );
    assert.equal(cmd.command, bin);
    assert.equal(cmd.shell, true);
  });

  it("the setting wins over the workspace", () => {
    const cmd = resolveServerCommand(
      env({ configured: "/opt/archc/bin/archc", files: ["/home/u/proj/node_modules/.bin/archc"] }),
    );
    assert.equal(cmd.command, "/opt/archc/bin/archc");
    assert.equal(cmd.source, "setting");
  });

  it("a relative setting is relative to the first workspace folder; ~ is the home directory", () => {
    assert.equal(
      resolveServerCommand(env({ configured: "./tools/archc" })).command,
      "/home/u/proj/tools/archc",
    );
    assert.equal(
      resolveServerCommand(env({ configured: "~/bin/archc" })).command,
      "/home/u/bin/archc",
    );
  });

  it("a bare command name in the setting is left for PATH lookup", () => {
    const cmd = resolveServerCommand(env({ configured: "archc-nightly" }));
    assert.equal(cmd.command, "archc-nightly");
  });

  it("a .js setting (archc's own dist/cli/main.js) runs with node", () => {
    const cmd = resolveServerCommand(env({ configured: "dist/cli/main.js" }));
    assert.deepEqual(cmd, {
      command: "node",
      args: ["/home/u/proj/dist/cli/main.js", "lsp", "--stdio"],
      shell: false,
      source: "setting",
    });
  });

  it("a blank setting is ignored", () => {
    assert.equal(resolveServerCommand(env({ configured: "   " })).source, "path");
  });

  it("describes the command as typed", () => {
    const cmd = resolveServerCommand(env({ configured: "/my tools/archc" }));
    assert.equal(describeCommand(cmd), '"/my tools/archc" lsp --stdio');
  });
});

describe("whyCannotStart", () => {
  const lookup = (files: string[], over: Partial<LookupEnv> = {}): LookupEnv => ({
    platform: "linux",
    pathEnv: "/usr/bin:/usr/local/bin",
    pathExt: undefined,
    isFile: (f) => files.includes(f),
    ...over,
  });
  const path = resolveServerCommand(env({}));

  it("finds a command on PATH", () => {
    assert.equal(whyCannotStart(path, lookup(["/usr/local/bin/archc"])), undefined);
    assert.equal(whyCannotStart(path, lookup([])), "`archc` is not on PATH");
  });

  it("uses PATHEXT on Windows", () => {
    const win = lookup(["C:\\tools\\archc.CMD"], {
      platform: "win32",
      pathEnv: "C:\\Windows;C:\\tools",
      pathExt: ".EXE;.CMD",
    });
    assert.equal(whyCannotStart(path, win), undefined);
  });

  it("checks a path, and the script node would run", () => {
    const file = resolveServerCommand(env({ configured: "/opt/archc" }));
    assert.equal(whyCannotStart(file, lookup([])), "/opt/archc does not exist");
    assert.equal(whyCannotStart(file, lookup(["/opt/archc"])), undefined);
    const script = resolveServerCommand(env({ configured: "dist/cli/main.js" }));
    assert.equal(
      whyCannotStart(script, lookup(["/usr/bin/node"])),
      "/home/u/proj/dist/cli/main.js does not exist",
    );
    assert.equal(
      whyCannotStart(script, lookup(["/usr/bin/node", "/home/u/proj/dist/cli/main.js"])),
      undefined,
    );
    assert.equal(
      whyCannotStart(script, lookup(["/home/u/proj/dist/cli/main.js"])),
      "`node` is not on PATH",
    );
  });
});
