// Review, session 67: every Ctrl-C of `telecare bridge` ended with the warning "MQTT broker connection lost; buffering
// events", its own disconnect told as an outage: an installer stopping the bridge to move it to a service looked for a
// broker problem there was none of. The stop's disconnect is now said as what it is; a real loss still warns.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { requireBuiltCli, startRig, stopRig, waitFor, type BridgeRig } from './helpers.js';

const rig: BridgeRig = {};

beforeAll(requireBuiltCli);
afterEach(() => stopRig(rig));

it('a bridge stopped with Ctrl-C says it disconnected, not that the connection was lost', async () => {
  const { bridge } = await startRig(rig, 'bridge-s67-stop-', 'rx-hall', ['--home', 'h1']);
  await waitFor('connected', () => bridge.logs.some((line) => line.msg === 'connected to MQTT broker'));
  const exit = new Promise<number | null>((resolve) => bridge.child.once('exit', (code) => resolve(code)));
  bridge.child.kill('SIGINT');
  expect(await exit).toBe(0);
  const messages = bridge.logs.map((line) => line.msg);
  expect(messages).toContain('disconnected from MQTT broker');
  expect(messages).not.toContain('MQTT broker connection lost; buffering events');
});
