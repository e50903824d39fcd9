/**
 * The one JS↔WASM boundary: finds and instantiates codec.wasm (built from assembly/) and wraps its
 * number-only exports as a Codec. Browser-safe: Node's fs is imported dynamically, only for file: URLs.
 *
 * Memory: the host owns the module's linear memory from scratchBase() up. A fixed 64-byte result
 * area comes first, then one scratch region reused by every call and grown (memory.grow) as needed.
 * Inputs are copied there with a single `set`, unless they already live in WASM memory (see scratch()).
 *
 * Descriptor layouts shared with assembly/record-batch.ts, little-endian:
 *   record (40 bytes): i64 timestampDelta, i32 offsetDelta, i32 attributes, i32 keyPtr, i32 keyLength,
 *                      i32 valuePtr, i32 valueLength, i32 headerCount, i32 padding (-1 lengths/count = null)
 *   header (16 bytes): i32 keyPtr, i32 keyLength, i32 valuePtr, i32 valueLength
 */
import { BATCH_HEADER_SIZE, writeBatchHeader } from "./batch-header.ts";
import { BATCH_ERRORS, checkVarintRoom, decodedBatch, readUtf8, rejectCompressed } from "./common.ts";
import {
  type BatchesVerdict, type Codec, type DecodedRecordBatch, type Record, type RecordBatch, RecordBatchError,
  type RecordHeader,
} from "./types.ts";

/** Where the module comes from: compiled already (edge runtimes), its bytes, a fetch response, or a URL. */
export type WasmSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response> | URL | string;

interface CodecExports {
  memory: WebAssembly.Memory;
  scratchBase(): number;
  crc32c(ptr: number, len: number): number;
  crc32cUpdate(crc: number, ptr: number, len: number): number;
  crc32cSlice8(ptr: number, len: number): number;
  encodeVarints(values: number, count: number, out: number): number;
  decodeVarints(ptr: number, len: number, count: number, out: number): number;
  validateRecordBatches(ptr: number, len: number, out: number): number;
  checkRecordBatch(ptr: number, len: number, out: number): number;
  decodeRecords(ptr: number, records: number, headers: number): void;
  encodeRecords(out: number, records: number, count: number, headers: number): number;
}

const RECORD_DESCRIPTOR = 40;
const HEADER_DESCRIPTOR = 16;
/** Most bytes a record's varints take: length 5, attributes 1, timestamp delta 10, four more varints. */
const RECORD_OVERHEAD = 36;
/** Two varints of a header. */
const HEADER_OVERHEAD = 10;
/** The module's writers store 8 bytes at a time. */
const SLACK = 8;
const RESULT_AREA = 64;
const PAGE = 65536;

const align8 = (n: number) => (n + 7) & ~7;

export class WasmCodec implements Codec {
  readonly kind = "wasm";
  private readonly memory: WebAssembly.Memory;
  /** The result area; scratch data starts RESULT_AREA bytes later. */
  private readonly result: number;
  private readonly data: number;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private i64!: BigInt64Array;
  private f64!: Float64Array;

  constructor(private readonly wasm: CodecExports) {
    this.memory = wasm.memory;
    this.result = wasm.scratchBase();
    this.data = this.result + RESULT_AREA;
    this.refreshViews();
  }

  /**
   * `size` bytes of WASM memory to assemble data in place: pass the view (or a subarray of it) to
   * crc32c, validateRecordBatches or decodeRecordBatch and nothing is copied. Valid until the next
   * call on this codec, which may reuse or move the memory.
   */
  scratch(size: number): Uint8Array {
    this.reserve(size);
    return this.u8.subarray(this.data, this.data + size);
  }

  crc32c(bytes: Uint8Array): number {
    return this.wasm.crc32c(this.input(bytes), bytes.length) >>> 0;
  }

  crc32cUpdate(crc: number, bytes: Uint8Array): number {
    return this.wasm.crc32cUpdate(crc, this.input(bytes), bytes.length) >>> 0;
  }

  /** The table-only CRC engine (slicing-by-8), for comparison with crc32c's SIMD folding. */
  crc32cSlice8(bytes: Uint8Array): number {
    return this.wasm.crc32cSlice8(this.input(bytes), bytes.length) >>> 0;
  }

  validateRecordBatches(bytes: Uint8Array): BatchesVerdict {
    const status = this.wasm.validateRecordBatches(this.input(bytes), bytes.length, this.result);
    const r = this.result >> 2;
    return {
      batchCount: this.i32[r],
      recordCount: this.f64[(this.result + 16) >> 3],
      lastOffsetDelta: this.i32[r + 1],
      validBytes: this.i32[r + 2] >>> 0,
      error: BATCH_ERRORS[status],
    };
  }

  decodeRecordBatch(bytes: Uint8Array): DecodedRecordBatch {
    const ptr = this.input(bytes);
    const status = this.wasm.checkRecordBatch(ptr, bytes.length, this.result);
    if (status !== 0) throw new RecordBatchError(BATCH_ERRORS[status]!, 0);
    rejectCompressed(bytes);
    const r = this.result >> 2;
    const count = this.i32[r + 1];
    const recordsAt = align8(Math.max(ptr + bytes.length, this.data));
    const headersAt = recordsAt + count * RECORD_DESCRIPTOR;
    this.reserve(headersAt + this.i32[r + 2] * HEADER_DESCRIPTOR - this.data);
    this.wasm.decodeRecords(ptr, recordsAt, headersAt);
    const { i32 } = this;
    // Descriptors point into WASM memory; the records view the caller's bytes at the same offsets.
    const at = (p: number, length: number) => (length < 0 ? null : bytes.subarray(p - ptr, p - ptr + length));
    const records: Record[] = new Array(count);
    let h = headersAt >> 2;
    for (let i = 0; i < count; i++) {
      const d = (recordsAt + i * RECORD_DESCRIPTOR) >> 2;
      const headerCount = i32[d + 8];
      let headers: RecordHeader[] | null = null;
      if (headerCount >= 0) {
        headers = new Array(headerCount);
        for (let j = 0; j < headerCount; j++, h += 4) {
          const keyStart = i32[h] - ptr;
          headers[j] = { key: readUtf8(bytes, keyStart, keyStart + i32[h + 1]), value: at(i32[h + 2], i32[h + 3]) };
        }
      }
      records[i] = {
        attributes: i32[d + 3],
        timestampDelta: this.i64[d >> 1],
        offsetDelta: i32[d + 2],
        key: at(i32[d + 4], i32[d + 5]),
        value: at(i32[d + 6], i32[d + 7]),
        headers,
      };
    }
    return decodedBatch(bytes, records);
  }

  encodeRecordBatch(batch: RecordBatch): Uint8Array {
    const { records } = batch;
    const count = records.length;
    let headerCount = 0;
    let payload = 0;
    for (const r of records) {
      payload += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      for (const h of r.headers ?? []) {
        headerCount++;
        // encodeInto needs room for the worst case, 3 bytes per UTF-16 unit.
        payload += 3 * h.key.length + (h.value?.length ?? 0);
      }
    }
    const recordsAt = this.data;
    const headersAt = recordsAt + count * RECORD_DESCRIPTOR;
    const arenaAt = headersAt + headerCount * HEADER_DESCRIPTOR;
    const outAt = align8(arenaAt + payload);
    const outMax = BATCH_HEADER_SIZE + count * RECORD_OVERHEAD + headerCount * HEADER_OVERHEAD + payload + SLACK;
    this.reserve(outAt + outMax - this.data);
    const { u8, i32, i64 } = this;
    let arena = arenaAt;
    // Copies a nullable field into the arena and describes it at i32[d], i32[d + 1].
    const place = (d: number, bytes: Uint8Array | null) => {
      i32[d] = arena;
      i32[d + 1] = bytes === null ? -1 : bytes.length;
      if (bytes === null) return;
      u8.set(bytes, arena);
      arena += bytes.length;
    };
    let h = headersAt >> 2;
    for (let i = 0; i < count; i++) {
      const r = records[i];
      const d = (recordsAt + i * RECORD_DESCRIPTOR) >> 2;
      i64[d >> 1] = r.timestampDelta;
      i32[d + 2] = r.offsetDelta;
      i32[d + 3] = r.attributes;
      place(d + 4, r.key);
      place(d + 6, r.value);
      i32[d + 8] = r.headers === null ? -1 : r.headers.length;
      for (const header of r.headers ?? []) {
        const room = u8.subarray(arena, arena + 3 * header.key.length);
        const keyLength = textEncoder.encodeInto(header.key, room).written;
        i32[h] = arena;
        i32[h + 1] = keyLength;
        arena += keyLength;
        place(h + 2, header.value);
        h += 4;
      }
    }
    writeBatchHeader(u8, outAt, batch, count);
    const size = this.wasm.encodeRecords(outAt, recordsAt, count, headersAt);
    return u8.slice(outAt, outAt + size);
  }

  encodeVarints(values: Int32Array): Uint8Array {
    const valuesAt = this.data;
    const outAt = valuesAt + values.length * 4;
    this.reserve(values.length * 9 + SLACK);
    this.i32.set(values, valuesAt >> 2);
    const size = this.wasm.encodeVarints(valuesAt, values.length, outAt);
    return this.u8.slice(outAt, outAt + size);
  }

  decodeVarints(bytes: Uint8Array, count: number, out: Int32Array): number {
    checkVarintRoom(count, out);
    // Every varint takes at least a byte, so more of them than bytes is a cut-off input.
    if (count > bytes.length) return -1;
    const ptr = this.input(bytes);
    const outAt = align8(Math.max(ptr + bytes.length, this.data));
    this.reserve(outAt + count * 4 - this.data);
    const consumed = this.wasm.decodeVarints(ptr, bytes.length, count, outAt);
    if (consumed >= 0) out.set(this.i32.subarray(outAt >> 2, (outAt >> 2) + count));
    return consumed;
  }

  /** Where `bytes` are in WASM memory: in place if they already live there, else copied to scratch. */
  private input(bytes: Uint8Array): number {
    if (bytes.buffer === this.u8.buffer) return bytes.byteOffset;
    this.reserve(bytes.length);
    this.u8.set(bytes, this.data);
    return this.data;
  }

  /**
   * Makes `size` bytes of scratch addressable, growing memory (which moves its buffer) if needed.
   * Only this class grows the memory, so the views' buffer is always the current one; asking the
   * Memory object for it on every call would cost more than a small CRC.
   */
  private reserve(size: number): void {
    const missing = this.data + size - this.u8.length;
    if (missing <= 0) return;
    this.memory.grow(Math.ceil(missing / PAGE));
    this.refreshViews();
  }

  private refreshViews(): void {
    const { buffer } = this.memory;
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.i64 = new BigInt64Array(buffer);
    this.f64 = new Float64Array(buffer);
  }
}

const textEncoder = new TextEncoder();

/** Instantiates the codec module from `source`, or finds codec.wasm next to this module (or in dist/). */
export async function loadWasmCodec(source?: WasmSource): Promise<WasmCodec> {
  const instance = await instantiate(source ?? (await locateWasm()));
  return new WasmCodec(instance.exports as unknown as CodecExports);
}

async function instantiate(source: WasmSource): Promise<WebAssembly.Instance> {
  if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, {});
  if (source instanceof URL || typeof source === "string") return instantiate(await open(new URL(source, baseUrl())));
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    return (await WebAssembly.instantiate(source, {})).instance;
  }
  const response = await source;
  if (typeof WebAssembly.instantiateStreaming === "function") {
    // Streaming needs the application/wasm content type; fall back to the bytes if the server omits it.
    const fallback = response.clone();
    try {
      return (await WebAssembly.instantiateStreaming(response, {})).instance;
    } catch {
      return instantiate(await fallback.arrayBuffer());
    }
  }
  return instantiate(await response.arrayBuffer());
}

function baseUrl(): string | undefined {
  // Some runtimes (workerd) give modules no URL; they pass the module explicitly instead.
  return typeof import.meta.url === "string" ? import.meta.url : undefined;
}

/** Bytes of a file: URL (Node reads them), or the response for any other URL. */
async function open(url: URL): Promise<BufferSource | Response> {
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url.href}`);
  return response;
}

/**
 * codec.wasm next to this module is the bundled layout (dist/codec.js, dist/index.js); from the
 * TypeScript sources (src/codec/wasm.ts, as under vitest) it is the build output in dist/.
 */
async function locateWasm(): Promise<BufferSource | Response> {
  const base = baseUrl();
  if (base === undefined) throw new Error("this runtime gives modules no URL: pass the codec.wasm module or bytes");
  const failures: string[] = [];
  for (const candidate of ["./codec.wasm", "../../dist/codec.wasm"]) {
    const url = new URL(candidate, base);
    try {
      return await open(url);
    } catch (error) {
      failures.push(`${url.href}: ${(error as Error).message}`);
    }
  }
  throw new Error(`codec.wasm not found (run \`npm run build:wasm\`); tried ${failures.join("; ")}`);
}
