// Consistent Overhead Byte Stuffing (Cheshire & Baker 1999): frames without 0x00, so 0x00 can end each frame.

/** Worst-case encoded size of `length` bytes: one code byte per 254 data bytes, plus the first. */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.floor(length / 254) + 1;
}

export function cobsEncode(data: Uint8Array): Buffer {
  const out = Buffer.alloc(cobsMaxEncodedLength(data.length));
  let codeIndex = 0;
  let code = 1;
  let write = 1;
  for (const byte of data) {
    if (byte !== 0) {
      out[write++] = byte;
      code++;
    }
    if (byte === 0 || code === 0xff) {
      out[codeIndex] = code;
      code = 1;
      codeIndex = write++;
    }
  }
  out[codeIndex] = code;
  return out.subarray(0, write);
}

/** Decodes one frame (without its 0x00 delimiter); `undefined` when the bytes are not valid COBS. */
export function cobsDecode(encoded: Uint8Array): Buffer | undefined {
  const out = Buffer.alloc(encoded.length);
  let read = 0;
  let write = 0;
  // Each block: a code byte, then code - 1 data bytes; past the last block the code is undefined.
  for (let code = encoded[read]; code !== undefined; code = encoded[read]) {
    // A zero inside a frame, or a block running past the end, means the frame was damaged.
    if (code === 0 || read + code > encoded.length) return undefined;
    const block = encoded.subarray(read + 1, read + code);
    if (block.includes(0)) return undefined;
    out.set(block, write);
    write += block.length;
    read += code;
    if (code < 0xff && read < encoded.length) out[write++] = 0;
  }
  return out.subarray(0, write);
}
