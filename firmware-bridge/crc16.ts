// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0) guarding every binary frame.

const POLY = 0x1021;

// Table-driven: one lookup per byte instead of eight shifts, since every received frame is checked.
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ POLY) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
})();

export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (const byte of bytes.subarray(start, end)) {
    // Masked to 0..255, the index is always one of the table's 256 entries.
    crc = ((crc << 8) & 0xffff) ^ TABLE.at(((crc >> 8) ^ byte) & 0xff)!;
  }
  return crc;
}
