// Codec vectors run inside foreign runtimes (Chromium, workerd). Plain ESM with no imports so it
// can be served or embedded as is; the caller passes the codecs it loaded from dist/codec.js.

const CHECK_STRING = "123456789";
const CHECK_CRC = 0xe3069283;
const PINEAPPLE_CRC = 0xcf35bf62;
/** Bytes from the CRC's first covered field (attributes) to the end of the batch. */
const CRC_START = 21;

const text = (s) => new TextEncoder().encode(s);
const hex = (n) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function parseHex(source) {
  return new Uint8Array(source.trim().split(/\s+/).map((pair) => parseInt(pair, 16)));
}

/** A batch that exercises null and present keys, headers, and multi-byte varints. */
function sampleBatch() {
  const firstTimestamp = 1726045973899n;
  return {
    baseOffset: 42n,
    partitionLeaderEpoch: 3,
    attributes: 0,
    lastOffsetDelta: 2,
    firstTimestamp,
    maxTimestamp: firstTimestamp + 300n,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: [
      { attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: text("pineapple"), headers: null },
      { attributes: 0, timestampDelta: 150n, offsetDelta: 1, key: text("k"), value: new Uint8Array(300).fill(7), headers: [] },
      {
        attributes: 0, timestampDelta: 300n, offsetDelta: 2, key: text("key-2"), value: null,
        headers: [{ key: "trace", value: text("abc") }, { key: "empty", value: null }],
      },
    ],
  };
}

function sameRecords(expected, actual) {
  const bytesEqual = (a, b) => (a === null ? b === null : b !== null && sameBytes(a, b));
  const headersEqual = (a, b) =>
    a === null ? b === null : b !== null && a.length === b.length &&
      a.every((h, i) => h.key === b[i].key && bytesEqual(h.value, b[i].value));
  return expected.length === actual.length && expected.every((r, i) => {
    const o = actual[i];
    return r.attributes === o.attributes && r.timestampDelta === o.timestampDelta && r.offsetDelta === o.offsetDelta &&
      bytesEqual(r.key, o.key) && bytesEqual(r.value, o.value) && headersEqual(r.headers, o.headers);
  });
}

const HEADER_FIELDS = ["baseOffset", "partitionLeaderEpoch", "attributes", "lastOffsetDelta", "firstTimestamp",
  "maxTimestamp", "producerId", "producerEpoch", "baseSequence"];

/**
 * Runs every vector against each codec. `codecs` maps kind → Codec; `pineappleHex` is the
 * tester's batch. Returns one `{ kind, name, ok, detail }` per check; never throws.
 */
export function runCodecVectors(codecs, pineappleHex) {
  const results = [];
  const check = (kind, name, body) => {
    try {
      const detail = body();
      results.push({ kind, name, ok: detail === true, detail: detail === true ? "" : String(detail) });
    } catch (error) {
      results.push({ kind, name, ok: false, detail: `threw ${error && error.stack ? error.stack : error}` });
    }
  };
  const pineapple = parseHex(pineappleHex);
  const encoded = {};

  for (const [kind, codec] of Object.entries(codecs)) {
    check(kind, "kind", () => codec.kind === kind || `codec.kind is ${codec.kind}`);
    check(kind, "crc32c check value", () => {
      const crc = codec.crc32c(text(CHECK_STRING));
      return crc === CHECK_CRC || `crc32c("${CHECK_STRING}") = ${hex(crc)}, want ${hex(CHECK_CRC)}`;
    });
    check(kind, "crc32c of the tester's pineapple batch", () => {
      const crc = codec.crc32c(pineapple.subarray(CRC_START));
      return crc === PINEAPPLE_CRC || `crc32c = ${hex(crc)}, want ${hex(PINEAPPLE_CRC)}`;
    });
    check(kind, "decode the tester's pineapple batch", () => {
      const batch = codec.decodeRecordBatch(pineapple);
      const record = batch.records[0];
      if (batch.crc !== PINEAPPLE_CRC) return `crc field ${hex(batch.crc)}`;
      if (batch.magic !== 2 || batch.batchLength !== 65) return `magic ${batch.magic}, batchLength ${batch.batchLength}`;
      if (batch.firstTimestamp !== 1726045973899n) return `firstTimestamp ${batch.firstTimestamp}`;
      if (batch.records.length !== 1) return `${batch.records.length} records`;
      if (record.key !== null || record.headers !== null) return "key and headers must be null (count -1 on the wire)";
      return new TextDecoder().decode(record.value) === "pineapple" || "value is not pineapple";
    });
    check(kind, "re-encode the pineapple batch byte for byte", () => {
      const again = codec.encodeRecordBatch(codec.decodeRecordBatch(pineapple));
      return sameBytes(again, pineapple) || "re-encoded bytes differ";
    });
    check(kind, "validate the pineapple batch", () => {
      const v = codec.validateRecordBatches(pineapple);
      return (v.error === null && v.batchCount === 1 && v.recordCount === 1 && v.lastOffsetDelta === 0 &&
        v.validBytes === pineapple.length) || `verdict ${JSON.stringify(v)}`;
    });
    check(kind, "reject a corrupted pineapple batch as BAD_CRC", () => {
      const corrupt = pineapple.slice();
      corrupt[corrupt.length - 3] ^= 0x20;
      const v = codec.validateRecordBatches(corrupt);
      return (v.error === "BAD_CRC" && v.batchCount === 0 && v.validBytes === 0) || `verdict ${JSON.stringify(v)}`;
    });
    check(kind, "encode/decode round trip", () => {
      const batch = sampleBatch();
      const bytes = codec.encodeRecordBatch(batch);
      encoded[kind] = bytes;
      const back = codec.decodeRecordBatch(bytes);
      const header = HEADER_FIELDS.find((f) => back[f] !== batch[f]);
      if (header) return `${header}: ${back[header]} != ${batch[header]}`;
      if (back.crc !== codec.crc32c(bytes.subarray(CRC_START))) return "crc field does not match the bytes";
      if (back.batchLength !== bytes.length - 12) return `batchLength ${back.batchLength} for ${bytes.length} bytes`;
      if (!sameRecords(batch.records, back.records)) return "records differ after the round trip";
      const v = codec.validateRecordBatches(bytes);
      return (v.error === null && v.batchCount === 1 && v.recordCount === 3 && v.lastOffsetDelta === 2) ||
        `verdict ${JSON.stringify(v)}`;
    });
  }
  if (encoded.wasm && encoded.js) {
    check("wasm+js", "both kinds encode identical bytes", () => sameBytes(encoded.wasm, encoded.js) || "bytes differ");
  }
  return results;
}
