// Deterministic inputs, so two runs (or two machines) measure the same bytes.

/** xorshift32: fast, seedable, good enough to defeat any value-dependent shortcut. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

export function randomBytes(size, seed = 1) {
  const next = rng(seed);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = next() & 0xff;
  return bytes;
}

/**
 * Signed 32-bit values whose magnitude has a bit length drawn uniformly from 0..31 and a random
 * sign, so every encoded length from 1 to 5 bytes is common and branch prediction cannot settle.
 */
export function varintValues(count, seed = 7) {
  const next = rng(seed);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const bits = next() % 32;
    const magnitude = bits === 0 ? 0 : next() >>> (32 - bits);
    values[i] = next() & 1 ? -magnitude : magnitude;
  }
  return values;
}

/** A producer-style batch: `count` records with null keys, no headers, `valueSize`-byte values. */
export function recordBatch(count, valueSize) {
  const firstTimestamp = 1726045973899n;
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({
      attributes: 0,
      timestampDelta: BigInt(i),
      offsetDelta: i,
      key: null,
      value: randomBytes(valueSize, i + 1),
      headers: [],
    });
  }
  return {
    baseOffset: 0n,
    partitionLeaderEpoch: 0,
    attributes: 0,
    lastOffsetDelta: count - 1,
    firstTimestamp,
    maxTimestamp: firstTimestamp + BigInt(count - 1),
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records,
  };
}
