// Third-party peers, each called the way its own users call it.
import { createRequire } from "node:module";
import { createCRC32 } from "hash-wasm";
import { crc32c as nodeRsCrc32c } from "@node-rs/crc32";

const require = createRequire(import.meta.url);
// KafkaJS's record-batch encoder calls this module (recordBatch/v0 requires '../crc32C').
const kafkajsCrc32c = require("kafkajs/src/protocol/recordBatch/crc32C");
const KafkajsEncoder = require("kafkajs/src/protocol/encoder");
const KafkajsDecoder = require("kafkajs/src/protocol/decoder");

const CASTAGNOLI = 0x82f63b78;

/** CRC-32C peers: name → (bytes) => unsigned CRC. */
export async function crcPeers() {
  // hash-wasm's one-shot crc32() returns a Promise<string>; its hasher is the synchronous path.
  const hasher = await createCRC32(CASTAGNOLI);
  return {
    "hash-wasm": (bytes) => {
      const digest = hasher.init().update(bytes).digest("binary");
      return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
    },
    "@node-rs/crc32": (bytes) => nodeRsCrc32c(bytes) >>> 0,
    KafkaJS: (bytes) => kafkajsCrc32c(bytes),
  };
}

/** KafkaJS writes one varint at a time into its growable Encoder (presized here, so no regrowth). */
export function kafkajsVarintEncode(values) {
  const encoder = new KafkajsEncoder(values.length * 5);
  for (let i = 0; i < values.length; i++) encoder.writeVarInt(values[i]);
  return encoder.buf.subarray(0, encoder.offset);
}

export function kafkajsVarintDecode(bytes, count, out) {
  const decoder = new KafkajsDecoder(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  for (let i = 0; i < count; i++) out[i] = decoder.readVarInt();
  return decoder.offset;
}

/** The obvious hand-written loop: the baseline the bulk varint target is measured against. */
export function plainVarintEncode(values, out) {
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    let v = ((values[i] << 1) ^ (values[i] >> 31)) >>> 0;
    while (v > 0x7f) {
      out[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[pos++] = v;
  }
  return pos;
}

export function plainVarintDecode(bytes, count, out) {
  let pos = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[pos++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    out[i] = (v >>> 1) ^ -(v & 1);
  }
  return pos;
}
