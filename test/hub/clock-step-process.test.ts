// A real hub whose wall clock is stepped back an hour (a faked Date preloaded with --import) still escalates on time;
// one restarted after SIGKILL on a clock that starts hours behind (a Pi with no real-time clock) escalates what fell
// due meanwhile as soon as network time corrects it. Needs the compiled hub (npm run build).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  killHub,
  mqttClient,
  nextMessage,
  ONE_HOME_CONFIG,
  withBedroomPir,
  projectRoot,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

const stepper = pathToFileURL(path.join(projectRoot, 'test/hub/fixtures/step-wall-clock.mjs')).href;

let dir: string;
let hub: HubProcess | undefined;
beforeEach(() => {
  dir = tempDir('clock-step');
});
afterEach(async () => {
  await killHub(hub);
  hub = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** ONE_HOME_CONFIG with its first responder group given `seconds` before the supervisors are called. */
function escalatingAfter(seconds: number): object {
  const escalation = {
    default: [
      { group: 'first', timeoutSeconds: seconds },
      { group: 'supervisors', timeoutSeconds: 600 },
    ],
  };
  return { ...ONE_HOME_CONFIG, escalation };
}

/**
 * The hub started again (after SIGKILL) on a `Date` three hours behind, stepped three hours forward on SIGUSR2; resolves
 * once its rules have said the clock reads behind.
 */
async function startedThreeHoursBehind(env: Record<string, string>): Promise<HubProcess> {
  const started = await spawnHub({
    ...env,
    NODE_OPTIONS: `--import ${stepper}`,
    START_WALL_OFFSET_MS: String(-3 * 3_600_000),
    STEP_WALL_MS: String(3 * 3_600_000),
  });
  await vi.waitFor(() => expect(started.stdout()).toContain('the clock reads before the last time the rules saw'), {
    timeout: 15_000,
    interval: 20,
  });
  return started;
}

describe('a hub whose wall clock steps back an hour', () => {
  it('escalates an unacknowledged pendant alert when its level times out', async () => {
    const config = escalatingAfter(3);
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      HUB_CONFIG: writeConfig(dir, config),
      NODE_OPTIONS: `--import ${stepper}`,
      STEP_WALL_MS: String(-3_600_000),
    });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const isAlert = (t: string): boolean => /^telecare\/h1\/alerts\/[^/]+$/.test(t);
    const raised = nextMessage(responder, isAlert);
    await responder.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    expect(JSON.parse((await raised).payload.toString())).toMatchObject({ kind: 'pendant', escalationLevel: 0 });

    const escalated = nextMessage(responder, isAlert, 20_000);
    hub.child.kill('SIGUSR2');
    expect(JSON.parse((await escalated).payload.toString())).toMatchObject({
      kind: 'pendant',
      escalationLevel: 1,
      state: 'raised',
    });
    // stderr is a pipe of its own: the MQTT message does not promise the line has been read yet.
    const running = hub;
    await vi.waitFor(() => expect(running.stderr()).toContain('wall clock stepped by -3600000 ms'), {
      timeout: 15_000,
      interval: 20,
    });
    await responder.endAsync();
  });
});

describe('a hub restarted on a clock that starts three hours behind', () => {
  it('escalates an alert whose level timed out while it was down once the clock is stepped forward', async () => {
    const config = escalatingAfter(2);
    const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) };
    hub = await spawnHub(env);
    const isAlert = (t: string): boolean => /^telecare\/h1\/alerts\/[^/]+$/.test(t);
    const presser = await mqttClient(hub.mqttPort);
    await presser.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const raised = nextMessage(presser, isAlert);
    await presser.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    const alert = JSON.parse((await raised).payload.toString()) as { id: string; escalationLevel: number };
    expect(alert.escalationLevel).toBe(0);
    // Power cut before the first group's 2 s are up.
    await presser.endAsync(true);
    await killHub(hub);

    hub = await startedThreeHoursBehind(env);
    const responder = await mqttClient(hub.mqttPort);
    const restated = nextMessage(responder, isAlert);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    // The store is the truth: restated at start, still at the first level (its due time reads three hours away).
    expect(JSON.parse((await restated).payload.toString())).toMatchObject({ id: alert.id, escalationLevel: 0 });
    const escalated = nextMessage(responder, isAlert, 20_000);
    hub.child.kill('SIGUSR2');
    expect(JSON.parse((await escalated).payload.toString())).toMatchObject({ id: alert.id, escalationLevel: 1 });
    await responder.endAsync();
  });
});

describe('a hub restarted on a clock that starts three hours behind, pressed before network time corrects it', () => {
  it('tells the alert again with the time it was really raised once the clock is corrected', async () => {
    const env = { HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, escalatingAfter(600)) };
    const isAlert = (t: string): boolean => /^telecare\/h1\/alerts\/[^/]+$/.test(t);
    const motion = JSON.stringify({ type: 'motion', value: true });
    hub = await spawnHub(env);
    const before = await mqttClient(hub.mqttPort);
    await before.publishAsync('telecare/h1/devices/hall-pir/events', motion, { qos: 1 });
    await before.endAsync(true);
    await killHub(hub);

    hub = await startedThreeHoursBehind(env);
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    const raised = nextMessage(responder, isAlert);
    await responder.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    const first = JSON.parse((await raised).payload.toString()) as { id: string; raisedAt: string; version: number };
    // Stamped on the clock that reads three hours behind.
    expect(Date.now() - Date.parse(first.raisedAt)).toBeGreaterThan(2 * 3_600_000);

    // Network time steps the clock: within a second the alert is told again, stamped when it really came.
    const corrected = nextMessage(responder, isAlert, 20_000);
    hub.child.kill('SIGUSR2');
    const second = JSON.parse((await corrected).payload.toString()) as typeof first & { escalationLevel: number };
    expect(second).toMatchObject({ id: first.id, version: first.version + 1, escalationLevel: 0 });
    expect(Date.parse(second.raisedAt) - Date.parse(first.raisedAt)).toBeGreaterThan(2 * 3_600_000);
    expect(Math.abs(Date.now() - Date.parse(second.raisedAt))).toBeLessThan(3_600_000);
    await responder.endAsync();
  });
});

describe('a hub started before its network, whose clock network time then steps an hour forward', () => {
  it('re-times what it saw meanwhile: the movement just before the step is no hour of silence', async () => {
    hub = await spawnHub({
      HUB_DATA_DIR: path.join(dir, 'data'),
      // A bedroom PIR, so that the hall's possible fall is due at the short value whatever the hour (session 70).
      HUB_CONFIG: writeConfig(dir, withBedroomPir(ONE_HOME_CONFIG)),
      NODE_OPTIONS: `--import ${stepper}`,
      STEP_WALL_MS: String(3_600_000),
    });
    const responder = await mqttClient(hub.mqttPort);
    await responder.subscribeAsync('telecare/h1/alerts/+', { qos: 1 });
    await responder.publishAsync(
      'telecare/h1/devices/hall-pir/events',
      JSON.stringify({ type: 'motion', value: true }),
      {
        qos: 1,
      },
    );
    const running = hub;
    await vi.waitFor(() => expect(running.stdout()).toContain('rules engine started'), {
      timeout: 15_000,
      interval: 20,
    });
    hub.child.kill('SIGUSR2');
    // The rules' timer (the hall's possible fall, due 45 min after the motion by the clock that read behind) is brought
    // forward by the step; it finds the step and re-times the motion instead of calling a possible fall.
    await vi.waitFor(() => expect(running.stdout()).toContain('the clock stepped forward since the start'), {
      timeout: 15_000,
      interval: 20,
    });
    // The next alert is the press: no possible fall came before it.
    const isAlert = (t: string): boolean => /^telecare\/h1\/alerts\/[^/]+$/.test(t);
    const next = nextMessage(responder, isAlert, 20_000);
    await responder.publishAsync('telecare/h1/devices/p1/events', JSON.stringify({ type: 'pendant', value: true }), {
      qos: 1,
    });
    expect(JSON.parse((await next).payload.toString())).toMatchObject({ kind: 'pendant' });
    await responder.endAsync();
  });
});
