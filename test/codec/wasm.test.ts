// The JS↔WASM boundary: where codec.wasm comes from, how memory is shared, and what happens when
// WebAssembly cannot be instantiated.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import { codecs, testerBatches, text } from "./support.ts";

const wasmUrl = new URL("../../dist/codec.wasm", import.meta.url);
const wasmBytes = readFileSync(wasmUrl);
const CHECK = text("123456789");

describe("codec.wasm", () => {
  it("is small and imports nothing", () => {
    expect(wasmBytes.length).toBeLessThan(20 * 1024);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(wasmBytes))).toEqual([]);
  });

  it.each([
    ["its bytes", () => new Uint8Array(wasmBytes)],
    ["a compiled WebAssembly.Module (edge runtimes)", () => new WebAssembly.Module(wasmBytes)],
    ["a fetch Response", () => new Response(wasmBytes, { headers: { "content-type": "application/wasm" } })],
    ["a Response without the wasm content type", () => new Response(wasmBytes)],
    ["a file: URL", () => wasmUrl],
  ])("loads from %s", async (_, source) => {
    const codec = await loadCodec("wasm", { wasm: source() });
    expect(codec.crc32c(CHECK)).toBe(0xe3069283);
  });

  it("is found next to the sources' build output without options", async () => {
    expect((await loadCodec()).kind).toBe("wasm");
  });

  it("rejects with a clear error when the module cannot be instantiated", async () => {
    await expect(loadCodec("wasm", { wasm: new Uint8Array([0, 0x61, 0x73, 0x6d, 9]) })).rejects.toThrow(
      /^cannot instantiate the WASM codec: /,
    );
    await expect(loadCodec("wasm", { wasm: new URL("./missing.wasm", import.meta.url) })).rejects.toThrow(/ENOENT/);
  });
});

describe("WASM memory", () => {
  const codec = codecs.wasm;

  it("lets callers assemble bytes in scratch memory and use them without a copy", () => {
    const [pineapple] = testerBatches;
    const scratch = codec.scratch(pineapple.bytes.length);
    scratch.set(pineapple.bytes);
    expect(codec.crc32c(scratch.subarray(21))).toBe(pineapple.crc);
    expect(codec.validateRecordBatches(scratch).error).toBeNull();
    expect(new TextDecoder().decode(codec.decodeRecordBatch(scratch).records[0].value!)).toBe("pineapple");
  });

  it("grows for large inputs and keeps working for small ones afterwards", () => {
    const big = new Uint8Array(8 << 20).fill(0xa5);
    expect(codec.crc32c(big)).toBe(codecs.js.crc32c(big));
    const values = new Int32Array(1_000_000);
    for (let i = 0; i < values.length; i++) values[i] = i * 7919 - 2 ** 30;
    const out = new Int32Array(values.length);
    expect(codec.decodeVarints(codec.encodeVarints(values), values.length, out)).toBeGreaterThan(0);
    expect(out[999_999]).toBe(values[999_999]);
    expect(codec.crc32c(CHECK)).toBe(0xe3069283);
  });
});

describe("under the tester's 6 GiB RLIMIT_AS", () => {
  const bundle = fileURLToPath(new URL("../../dist/codec.js", import.meta.url));
  const script = `
    const { loadCodec } = await import(${JSON.stringify(bundle)});
    try {
      const codec = await loadCodec("wasm");
      const big = new Uint8Array(64 << 20);
      console.log("loaded", codec.crc32c(new TextEncoder().encode("123456789")).toString(16), codec.crc32c(big) === (await loadCodec("js")).crc32c(big));
    } catch (error) {
      console.log(error.message);
    }`;
  const run = (flags: string[]) =>
    promisify(execFile)("prlimit", ["--as=6442450944", process.execPath, ...flags, "--input-type=module", "-e", script]);

  it("instantiates with --disable-wasm-trap-handler and grows memory", async () => {
    if (!existsSync(bundle)) throw new Error("dist/codec.js is missing: run `npm run build` first");
    expect((await run(["--disable-wasm-trap-handler"])).stdout.trim()).toBe("loaded e3069283 true");
  });

  it("rejects (rather than crashing) without the flag, so the broker can fall back to JS", async () => {
    expect((await run([])).stdout.trim()).toMatch(/^cannot instantiate the WASM codec: .*memory/i);
  });
});
