/**
 * CRC-32C (Castagnoli) in plain TypeScript: slicing-by-8 over Int32Array tables, 8 bytes per step.
 * Reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF.
 */

const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  // Table k maps a byte to its contribution k bytes further back in the message.
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** Continues `crc` (a previous result; 0 to start) over `bytes`. */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  const t = TABLES;
  const n = bytes.length;
  let s = ~crc;
  let i = 0;
  for (const end = n - 7; i < end; i += 8) {
    const lo = s ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    s = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^ t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < n; i++) s = t[(s ^ bytes[i]) & 0xff] ^ (s >>> 8);
  return ~s >>> 0;
}

export function crc32c(bytes: Uint8Array): number {
  return crc32cUpdate(0, bytes);
}
