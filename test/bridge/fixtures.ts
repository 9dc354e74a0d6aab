// Small factories for bridge tests: frames and the worked example from PROTOCOL.md.
import fs from 'node:fs';
import path from 'node:path';
import { encodeWireFrame, type Frame } from '../../firmware-bridge/frame-codec.js';
import { projectRoot } from './helpers.js';

export function pendantPress(deviceId: string, seq: number): Frame {
  return { frameType: 'event', seq, deviceId, eventType: 'pendant', value: { encoding: 'none' } };
}

export function motion(deviceId: string, seq: number, seen = true): Frame {
  return { frameType: 'event', seq, deviceId, eventType: 'motion', value: { encoding: 'bool', value: seen } };
}

export function wire(...frames: Frame[]): Buffer {
  return Buffer.concat(frames.map(encodeWireFrame));
}

/** The hex lines under the worked-example marker of PROTOCOL.md, by name (`temperature`, `pendant`, `heartbeat`). */
export function documentedWireExamples(): Map<string, Buffer> {
  const doc = fs.readFileSync(path.join(projectRoot, 'firmware-bridge/PROTOCOL.md'), 'utf8');
  const section = doc.slice(doc.indexOf('<!-- worked-example'));
  const examples = new Map<string, Buffer>();
  for (const [line, name, hex] of section.matchAll(/^wire (\w+):\s+([0-9a-f ]+)$/gm)) {
    if (name === undefined || hex === undefined) throw new Error(`not a worked-example line: ${line}`);
    examples.set(name, Buffer.from(hex.replace(/ /g, ''), 'hex'));
  }
  return examples;
}
