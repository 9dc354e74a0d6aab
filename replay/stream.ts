// Read replay input as a stream of lines (fast splitter on big chunks) and feed a Replayer.
import type { Readable } from 'node:stream';
import type { ReplayLine, Replayer } from './replay.js';

export interface StreamOptions {
  /** Parse a non-JSON line format (CASAS); lines it returns undefined for are skipped. */
  parseLine?: (text: string) => ReplayLine | undefined;
  /** Called with the bytes read so far, at most once per chunk. */
  onProgress?: (bytes: number) => void;
}

/** Replays every line of `input`; resolves with the number of lines a custom parser skipped. */
export async function replayStream(input: Readable, replayer: Replayer, options: StreamOptions = {}): Promise<number> {
  const { parseLine, onProgress } = options;
  let skipped = 0;
  let rest = '';
  let bytes = 0;
  const take = (line: string): void => {
    if (!parseLine) {
      replayer.pushLine(line);
      return;
    }
    const parsed = line.length === 0 ? undefined : parseLine(line);
    if (parsed) replayer.push(parsed);
    else {
      // Counted for the numbers of later lines; a blank line is not a skipped one.
      replayer.skipLine();
      if (line.length > 0) skipped++;
    }
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    bytes += Buffer.byteLength(chunk);
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      take(text.slice(start, end));
      start = nl + 1;
    }
    rest = text.slice(start);
    onProgress?.(bytes);
  }
  if (rest.length > 0) take(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  return skipped;
}
