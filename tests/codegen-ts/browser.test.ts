/**
 * examples/app/ in a browser: the page (index.html + the bundle build.mjs makes) runs the
 * generated TinyGPT class in headless Chromium, served from 127.0.0.1, and POSTs what it got.
 *
 * - With `--enable-unsafe-webgpu`, Chromium's WebGPU runs on SwiftShader here (no GPU): the
 *   page's logits must equal the Node script's (Dawn on llvmpipe) within f32 tolerance.
 * - Without it, headless Chromium offers `navigator.gpu` but no adapter: the page must say
 *   exactly that (the DeviceError of archc/runtime), not hang or fail some other way.
 *
 * Chromium is a Debian package (`apt-get install chromium`; .ci/run installs it). Without it
 * this test fails, saying so: it never skips. Details in examples/app/README.md.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archc, ROOT } from "../support/archc.js";

const APP = join(ROOT, "examples/app");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

interface PageReport {
  ok: boolean;
  error?: string;
  result?: { logitsShape: number[]; capturedShape: number[]; logits: number[]; next: number[] };
}

let tmp: string;
let weights: string;
let server: Server;
let port: number;
/** Reports POSTed by pages, by the id in their `report` URL. */
const waiting = new Map<string, (r: PageReport) => void>();

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "archc-browser-"));
  weights = join(tmp, "w.safetensors");
  const init = archc([
    "init",
    "examples/tiny_gpt.arch",
    "-m",
    "TinyGPT",
    "-o",
    weights,
    "--seed",
    "4",
  ]);
  expect(init.stderr).toBe("");
  const build = spawnSync(process.execPath, [join(APP, "build.mjs")], { encoding: "utf8" });
  expect(build.stderr).toBe("");
  expect(build.status).toBe(0);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "POST" && url.pathname.startsWith("/result/")) {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        res.end("ok");
        waiting.get(url.pathname.slice("/result/".length))?.(JSON.parse(body) as PageReport);
      });
      return;
    }
    const path = url.pathname === "/w.safetensors" ? weights : join(APP, normalize(url.pathname));
    if (!path.startsWith(APP) && path !== weights) return void res.writeHead(403).end();
    try {
      const body = readFileSync(path);
      const type = { ".html": "text/html", ".js": "text/javascript" }[extname(path)];
      res.writeHead(200, type ? { "content-type": type } : {}).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
});

/** Opens the page in headless Chromium with `flags` and waits for its report. */
async function runPage(id: string, flags: string[]): Promise<PageReport> {
  expect(
    CHROMIUM,
    "Chromium is not installed: apt-get install chromium (.ci/run installs it)",
  ).toBeDefined();
  const profile = mkdtempSync(join(tmp, "profile-"));
  const args = [
    "--headless=new",
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    `--user-data-dir=${profile}`,
    "--no-first-run",
    "--disable-extensions",
    ...flags,
    `http://127.0.0.1:${port}/index.html?report=/result/${id}`,
  ];
  let chromium: ChildProcess | undefined;
  let stderr = "";
  try {
    return await new Promise<PageReport>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the page sent no report within 90 s; Chromium said:\n${stderr}`)),
        90_000,
      );
      waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      chromium = spawn(CHROMIUM!, args, { stdio: ["ignore", "ignore", "pipe"] });
      chromium.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
      chromium.on("error", reject);
    });
  } finally {
    waiting.delete(id);
    // Gone before its profile directory is removed.
    const c = chromium as ChildProcess | undefined;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill("SIGKILL");
      await exited;
    }
  }
}

describe("examples/app in headless Chromium", () => {
  it("with --enable-unsafe-webgpu (SwiftShader): the page's output equals the Node script's", async () => {
    const page = await runPage("webgpu", ["--enable-unsafe-webgpu"]);
    expect(page.error).toBeUndefined();
    expect(page.ok).toBe(true);
    const node = spawnSync(process.execPath, [join(APP, "node.mjs"), weights, "--json"], {
      encoding: "utf8",
    });
    expect(node.status).toBe(0);
    const want = JSON.parse(node.stdout) as NonNullable<PageReport["result"]>;
    const got = page.result!;
    expect(got.logitsShape).toEqual([1, 8, 256]);
    expect(got.logitsShape).toEqual(want.logitsShape);
    expect(got.capturedShape).toEqual(want.capturedShape);
    expect(got.logits.length).toBe(want.logits.length);
    const scale = Math.max(...want.logits.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < want.logits.length; i++)
      worst = Math.max(worst, Math.abs(got.logits[i]! - want.logits[i]!));
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
  }, 120_000);

  it("without it: the page reports that the browser offers no WebGPU adapter", async () => {
    const page = await runPage("no-webgpu", []);
    expect(page).toEqual({
      ok: false,
      error: "DeviceError: this browser offers no WebGPU adapter",
    });
  }, 120_000);
});
