// Story: the reference firmware's C encoder and the bridge's TypeScript decoder speak exactly the same frames.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWireFrame, encodeWireFrame, type Frame, type FrameValue } from '../../firmware-bridge/frame-codec.js';
import { eventTypeCode, MAX_ACCEL_SAMPLES, VALUE_ENCODING_CODES } from '../../firmware-bridge/frame-layout.js';
import { EVENT_VALUE_KIND, NATIVE_EVENT_TYPES } from '../../rules/vocabulary.js';
import { createRng } from '../../simulate/random.js';
import { projectRoot } from './helpers.js';
import { documentedWireExamples } from './fixtures.js';

const firmwareDir = path.join(projectRoot, 'firmware-bridge/firmware');
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
let buildDir: string;
let frameTool: string;

beforeAll(() => {
  if (!hasGcc) return;
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frame-tool-'));
  frameTool = path.join(buildDir, 'frame_tool');
  execFileSync('gcc', [
    '-std=c99',
    '-Wall',
    '-Wextra',
    '-pedantic',
    '-Werror',
    '-O2',
    `-I${path.join(firmwareDir, 'lib/telecare_frame')}`,
    path.join(firmwareDir, 'lib/telecare_frame/frame.c'),
    path.join(firmwareDir, 'test/frame_tool.c'),
    '-o',
    frameTool,
  ]);
});

afterAll(() => {
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
});

/** One spec line for the C test driver (see the comment at the top of frame_tool.c). */
function specLine(frame: Frame): string {
  if (frame.frameType === 'receiver-heartbeat') return `H ${frame.seq}`;
  const head = `E ${frame.seq} ${frame.deviceId} ${eventTypeCode(frame.eventType)} ${VALUE_ENCODING_CODES[frame.value.encoding]}`;
  const v = frame.value;
  switch (v.encoding) {
    case 'none':
      return head;
    case 'bool':
      return `${head} ${v.value ? 1 : 0}`;
    case 'int16Scaled':
      return `${head} ${v.raw} ${v.decimals}`;
    case 'float32': {
      const bits = Buffer.alloc(4);
      bits.writeFloatBE(v.value);
      return `${head} ${bits.toString('hex')}`;
    }
    case 'accel':
      return `${head} ${v.rateHz} ${v.samplesMilliG.length} ${v.samplesMilliG.flat().join(' ')}`;
  }
}

function encodeWithC(frames: Frame[]): Buffer {
  return execFileSync(frameTool, { input: frames.map(specLine).join('\n') + '\n', maxBuffer: 64 * 1024 * 1024 });
}

/** Random but valid frames of every type and encoding, from a fixed seed. */
function generateFrames(count: number, seed: number): Frame[] {
  const { next: random, pick } = createRng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const idChars = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-');
  const frames: Frame[] = [];
  while (frames.length < count) {
    const seq = int(0, 0xffff);
    if (random() < 0.1) {
      frames.push({ frameType: 'receiver-heartbeat', seq });
      continue;
    }
    const deviceId = Array.from({ length: int(1, 32) }, () => pick(idChars)).join('');
    const eventType = pick(NATIVE_EVENT_TYPES);
    let value: FrameValue;
    switch (EVENT_VALUE_KIND[eventType]) {
      case 'true':
        value = random() < 0.5 ? { encoding: 'none' } : { encoding: 'bool', value: true };
        break;
      case 'boolean':
        value = { encoding: 'bool', value: random() < 0.5 };
        break;
      case 'number':
        if (random() < 0.5) {
          value = { encoding: 'int16Scaled', raw: int(-32768, 32767), decimals: int(0, 3) };
        } else {
          const bits = Buffer.alloc(4);
          do bits.writeUInt32BE(int(0, 0xffffffff));
          while (!Number.isFinite(bits.readFloatBE()));
          value = { encoding: 'float32', value: bits.readFloatBE() };
        }
        break;
      case 'accel': {
        const samples = Array.from(
          { length: int(1, MAX_ACCEL_SAMPLES) },
          () => [int(-32768, 32767), int(-32768, 32767), int(-32768, 32767)] as [number, number, number],
        );
        value = { encoding: 'accel', rateHz: int(1, 0xffff), samplesMilliG: samples };
        break;
      }
    }
    frames.push({ frameType: 'event', seq, deviceId, eventType, value });
  }
  return frames;
}

describe.skipIf(!hasGcc)('the C frame encoder (compiled with host gcc)', () => {
  it('produces the worked example of PROTOCOL.md byte for byte', () => {
    const examples = documentedWireExamples();
    const frames: Frame[] = [
      {
        frameType: 'event',
        seq: 258,
        deviceId: 'kitchen',
        eventType: 'temperature',
        value: { encoding: 'int16Scaled', raw: 215, decimals: 1 },
      },
      { frameType: 'event', seq: 42, deviceId: 'p1', eventType: 'pendant', value: { encoding: 'none' } },
      { frameType: 'receiver-heartbeat', seq: 7 },
    ];
    expect(encodeWithC(frames).toString('hex')).toBe(Buffer.concat([...examples.values()]).toString('hex'));
    expect(Buffer.concat(frames.map(encodeWireFrame)).toString('hex')).toBe(
      Buffer.concat([...examples.values()]).toString('hex'),
    );
  });

  it('agrees with the TypeScript codec on 4,000 generated frames, both ways', () => {
    const frames = generateFrames(4_000, 6);
    const fromC = encodeWithC(frames);
    // Compare frame by frame so a failure names the first frame that differs.
    let offset = 0;
    frames.forEach((frame, i) => {
      const expected = encodeWireFrame(frame);
      const actual = fromC.subarray(offset, offset + expected.length);
      if (!actual.equals(expected))
        expect({ i, spec: specLine(frame), c: actual.toString('hex') }).toEqual({
          i,
          spec: specLine(frame),
          c: expected.toString('hex'),
        });
      offset += expected.length;
    });
    expect(offset).toBe(fromC.length);

    const decoded = fromC
      .toString('latin1')
      .split('\0')
      .slice(0, -1)
      .map((w) => decodeWireFrame(Buffer.from(w, 'latin1')));
    expect(decoded.filter((d) => !d.ok)).toEqual([]);
    expect(decoded.map((d) => (d.ok ? d.frame : undefined))).toEqual(frames);
  });

  it('refuses frames no receiver may send', () => {
    const bad = spawnSync(frameTool, { input: 'E 1 bad/id 3 0\n' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.toString()).toContain('refused');
  });
});

describe('the event type code table', () => {
  it('is the same in frame.h, PROTOCOL.md and the vocabulary, and never reordered', () => {
    const header = fs.readFileSync(path.join(firmwareDir, 'lib/telecare_frame/frame.h'), 'utf8');
    const fromHeader = [...header.matchAll(/TC_EVENT_(\w+) = (\d+)/g)].map((m) => [Number(m[2]), m[1]?.toLowerCase()]);
    const doc = fs.readFileSync(path.join(projectRoot, 'firmware-bridge/PROTOCOL.md'), 'utf8');
    const table = doc.slice(doc.indexOf('### Event type codes'), doc.indexOf('### Value encodings'));
    const fromDoc = [...table.matchAll(/^\| (\d+) \| (\w+) \|/gm)].map((m) => [Number(m[1]), m[2]]);
    // Pinned: changing any of these codes would misread every deployed receiver.
    const pinned = [
      'motion',
      'contact',
      'occupancy',
      'pendant',
      'fall',
      'smoke',
      'co',
      'gas',
      'water',
      'temperature',
      'humidity',
      'power',
      'battery',
      'tamper',
      'heartbeat',
      'accel',
    ];
    const expected = pinned.map((type, code) => [code, type]);
    expect(fromHeader).toEqual(expected);
    expect(fromDoc).toEqual(expected);
    expect(NATIVE_EVENT_TYPES.slice(0, pinned.length)).toEqual(pinned);
  });
});
