/**
 * The record-batch codec's public entry (bundled as dist/codec.js, platform neutral):
 *
 *   const codec = await loadCodec();            // WASM: finds codec.wasm next to this module
 *   const codec = await loadCodec("js");        // the plain-TypeScript twin, same bytes and verdicts
 *   const codec = await loadCodec("wasm", { wasm: module });  // edge runtimes hand the module over
 *
 * loadCodec("wasm") rejects when WebAssembly cannot be instantiated (e.g. under a tight RLIMIT_AS
 * without --disable-wasm-trap-handler); callers that can live without it fall back to "js".
 */
import { jsCodec } from "./js/index.ts";
import type { Codec, CodecKind } from "./types.ts";
import { loadWasmCodec, type WasmCodec, type WasmSource } from "./wasm.ts";

export * from "./types.ts";
export {
  BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, BatchField, type BatchHeader, batchSizeAt, COMPRESSION_MASK, readBatchHeader,
  setBaseOffset, setPartitionLeaderEpoch,
} from "./batch-header.ts";
export type { WasmCodec, WasmSource } from "./wasm.ts";

export interface LoadCodecOptions {
  /** Only for "wasm": the compiled module, its bytes, a fetch Response, or a URL of codec.wasm. */
  wasm?: WasmSource;
}

export function loadCodec(kind: "wasm", options?: LoadCodecOptions): Promise<WasmCodec>;
export function loadCodec(kind?: CodecKind, options?: LoadCodecOptions): Promise<Codec>;
export async function loadCodec(kind: CodecKind = "wasm", options: LoadCodecOptions = {}): Promise<Codec> {
  if (kind === "js") return jsCodec;
  if (kind !== "wasm") throw new Error(`unknown codec kind ${String(kind)}: use "wasm" or "js"`);
  try {
    return await loadWasmCodec(options.wasm);
  } catch (error) {
    throw new Error(`cannot instantiate the WASM codec: ${(error as Error).message}`, { cause: error });
  }
}
