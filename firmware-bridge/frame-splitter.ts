// Splits the serial byte stream on a delimiter (serialport's DelimiterParser) with a bound on frame length.
import type { TransformCallback } from 'node:stream';
import { DelimiterParser } from '@serialport/parser-delimiter';

/**
 * DelimiterParser keeps everything up to the next delimiter, so a receiver spewing bytes without one
 * would grow memory without limit. This subclass drops a frame once it passes `maxFrameBytes`, emits
 * `oversized` once for it, and skips the rest of it up to the next delimiter.
 */
export class BoundedDelimiterParser extends DelimiterParser {
  private discarding = false;

  constructor(
    delimiter: number,
    private readonly maxFrameBytes: number,
  ) {
    super({ delimiter: [delimiter] });
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    let rest = chunk;
    if (this.discarding) {
      const end = rest.indexOf(this.delimiter);
      if (end === -1) {
        callback();
        return;
      }
      this.discarding = false;
      rest = rest.subarray(end + this.delimiter.length);
    }
    super._transform(rest, encoding, (err) => {
      if (!err && this.buffer.length > this.maxFrameBytes) {
        this.buffer = Buffer.alloc(0);
        this.discarding = true;
        this.emit('oversized');
      }
      callback(err);
    });
  }

  /** At end of stream a partial frame is no frame: dropped, not emitted. */
  override _flush(callback: TransformCallback): void {
    this.buffer = Buffer.alloc(0);
    callback();
  }
}
