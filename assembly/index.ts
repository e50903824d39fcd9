// The codec's WebAssembly exports. Every function takes byte offsets into this module's memory and
// returns numbers; the host owns all buffers, placing them from scratchBase() up and growing memory
// itself. No allocator runs here (runtime "stub", nothing is allocated).

export { crc32c, crc32cSlice8, crc32cUpdate } from "./crc32c";
export { decodeVarints, encodeVarints } from "./varint";
export { checkRecordBatch, decodeRecords, encodeRecords, validateRecordBatches } from "./record-batch";

/** First byte of memory the host may use (past the CRC tables and globals), 16-byte aligned. */
export function scratchBase(): usize {
  return (__heap_base + 15) & ~15;
}
