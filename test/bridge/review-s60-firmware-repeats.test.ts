// Review, session 60: the reference firmware (firmware-bridge/firmware/src/main.cpp) took a code for a repeat of one
// radio message only when it was the last code heard. Cheap 433 MHz sensors send each message several times over half
// a second; another sensor's code between two copies (a PIR seeing the resident reach for the pendant) made the next
// copy a new message with a new number, which the bridge published: one press sent as two. The sketch runs on the host
// here (test/host: Arduino and rc-switch stand-ins) and its serial bytes go through the bridge's own decoder.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cobsDecoder } from '../../firmware-bridge/frame-decoders.js';
import type { BridgeEvent } from '../../firmware-bridge/native-event.js';
import { FakeClock } from '../../hub/clock.js';
import { projectRoot } from './helpers.js';

const firmwareDir = path.join(projectRoot, 'firmware-bridge/firmware');
const hasCompilers = spawnSync('gcc', ['--version']).status === 0 && spawnSync('g++', ['--version']).status === 0;
let buildDir: string;
let sketch: string;

// Codes learned in SENSOR_CODES of main.cpp.
const PENDANT_P1 = '5a3c01';
const HALL_PIR = '4b2a0a';

beforeAll(() => {
  if (!hasCompilers) return;
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sketch-host-'));
  const frameObject = path.join(buildDir, 'frame.o');
  sketch = path.join(buildDir, 'sketch_host');
  const include = (dir: string): string => `-I${path.join(firmwareDir, dir)}`;
  execFileSync('gcc', [
    '-std=c99',
    '-Wall',
    '-Wextra',
    '-Werror',
    include('lib/telecare_frame'),
    '-c',
    path.join(firmwareDir, 'lib/telecare_frame/frame.c'),
    '-o',
    frameObject,
  ]);
  execFileSync('g++', [
    '-std=c++17',
    '-Wall',
    '-Wextra',
    '-Werror',
    include('test/host'),
    include('lib/telecare_frame'),
    path.join(firmwareDir, 'src/main.cpp'),
    path.join(firmwareDir, 'test/sketch_host.cpp'),
    frameObject,
    '-o',
    sketch,
  ]);
});

afterAll(() => {
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
});

/** Runs the sketch on `[ms, code]` receptions; what the bridge would publish from its serial bytes. */
function publishedFrom(receptions: [number, string][]): BridgeEvent[] {
  const wire = execFileSync(sketch, { input: receptions.map(([ms, code]) => `${ms} ${code}\n`).join('') });
  // Every frame reaches the bridge within its 10 s duplicate window: its monotonic clock stands still.
  const decoder = cobsDecoder('h1', 'rx-hall', new FakeClock(), () => 1_000);
  const events: BridgeEvent[] = [];
  let start = 0;
  for (let end = wire.indexOf(0); end !== -1; start = end + 1, end = wire.indexOf(0, start)) {
    const outcome = decoder.decode(wire.subarray(start, end));
    if (outcome.kind === 'event') events.push(outcome.event);
  }
  return events;
}

it.skipIf(!hasCompilers)('sends one press once when another sensor’s code comes between its repeats', () => {
  const events = publishedFrom([
    [0, PENDANT_P1],
    [120, PENDANT_P1],
    [200, HALL_PIR],
    [300, PENDANT_P1],
    [420, PENDANT_P1],
    // Pressed again five seconds later: a new press.
    [5_000, PENDANT_P1],
    [5_120, PENDANT_P1],
  ]);
  expect(events.filter((e) => e.deviceId === 'p1').map((e) => e.type)).toEqual(['pendant', 'pendant']);
  expect(events.filter((e) => e.deviceId === 'hall-pir').map((e) => e.value)).toEqual([true]);
});
