import type { Codec } from "../../src/codec/types.ts";

/** One check of one codec kind ("wasm", "js", or "wasm+js" for cross-kind checks). */
export interface VectorResult {
  kind: string;
  name: string;
  ok: boolean;
  detail: string;
}

/** What a foreign runtime reports back: the results, or why the vectors could not run at all. */
export interface VectorOutcome {
  results?: VectorResult[];
  error?: string;
}

export function runCodecVectors(codecs: { [kind: string]: Codec }, pineappleHex: string): VectorResult[];
