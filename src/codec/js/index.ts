/** The plain-TypeScript codec: the WASM codec's twin, byte for byte and verdict for verdict. */
import type { Codec } from "../types.ts";
import { crc32c, crc32cUpdate } from "./crc32c.ts";
import { decodeRecordBatch, encodeRecordBatch, validateRecordBatches } from "./record-batch.ts";
import { decodeVarints, encodeVarints } from "./varint.ts";

export const jsCodec: Codec = {
  kind: "js",
  crc32c,
  crc32cUpdate,
  encodeRecordBatch,
  decodeRecordBatch,
  validateRecordBatches,
  encodeVarints,
  decodeVarints,
};
