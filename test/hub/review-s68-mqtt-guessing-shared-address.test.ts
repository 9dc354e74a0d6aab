// Review, session 68: ten wrong MQTT passwords a minute from a shared address (a flat's router, a home's IPv6 /64) kept
// out every device there that needed a password check, CONNACK 3, for as long as the guessing went on. The guessing
// must stay limited; a device with the right password beside the guesser must get in.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowCostHash } from '../support/low-cost-hash.js';
import {
  adminGet,
  killHub,
  ONE_HOME_CONFIG,
  rawMqtt,
  spawnHub,
  tempDir,
  writeConfig,
  type HubProcess,
} from './helpers.js';

/** `MAX_FAILURES_PER_WINDOW` and `MAX_FAILURES_PER_CREDENTIAL` of hub/mqtt-auth.ts. */
const PER_ADDRESS = 10;
const PER_CREDENTIAL = 30;

/** Each story its own credentials (a verified password is remembered) and its own addresses (a minute's window). */
const USERS = ['flat-a', 'flat-b', 'flat-c', 'flat-d', 'flat-e', 'flat-f', 'flat-g'] as const;
const passwordOf = (username: string): string => `${username}-right-password`;

let dir: string;
let hub: HubProcess;

beforeAll(async () => {
  dir = tempDir('review-s68-guessing');
  const config = {
    ...ONE_HOME_CONFIG,
    mqttUsers: USERS.map((username) => ({
      username,
      passwordHash: lowCostHash(passwordOf(username)),
      role: 'device',
      homes: ['h1'],
    })),
  };
  hub = await spawnHub({ HUB_DATA_DIR: path.join(dir, 'data'), HUB_CONFIG: writeConfig(dir, config) });
}, 60_000);

afterAll(async () => {
  await killHub(hub);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The CONNACK return code of a login from `localAddress` (a loopback address: one machine to the broker). */
async function login(localAddress: string, username: string, password: string): Promise<number | undefined> {
  const connection = await rawMqtt(hub.mqttPort, {
    clientId: `c-${Math.random().toString(36).slice(2)}`,
    clean: true,
    username,
    password,
    localAddress,
  });
  const code = connection.connack();
  await connection.end();
  return code;
}

async function guess(localAddress: string, username: string, times: number): Promise<(number | undefined)[]> {
  const codes: (number | undefined)[] = [];
  for (let i = 0; i < times; i++) codes.push(await login(localAddress, username, `guess-${i}-${Math.random()}`));
  return codes;
}

async function rateLimited(): Promise<number> {
  const text = await (await adminGet(hub.httpPort, '/metrics')).text();
  return Number(/telecare_mqtt_refused_total\{reason="auth-rate-limited"\} (\d+)/.exec(text)?.[1] ?? NaN);
}

describe('MQTT password guessing from a shared address (session 68)', () => {
  it("a machine guessing another flat's password does not keep out a device beside it; its own guessing stays limited", async () => {
    const shared = '127.0.0.11';
    const codes = await guess(shared, 'flat-b', PER_ADDRESS + 2);
    // Ten checked and refused, then no more checks for that username from there.
    expect(codes).toEqual([...Array<number>(PER_ADDRESS).fill(4), 3, 3]);
    // flat-a's device, behind the same router, logging in for the first time: checked and let in.
    expect(await login(shared, 'flat-a', passwordOf('flat-a'))).toBe(0);
  });

  it('a flood of made-up usernames does not keep out a device beside it', async () => {
    const shared = '127.0.0.12';
    for (let i = 0; i < PER_ADDRESS + 2; i++) expect(await login(shared, `nobody-${i}`, 'x')).toBe(4);
    expect(await login(shared, 'flat-c', passwordOf('flat-c'))).toBe(0);
  });

  it('a device left with an old password, retrying, does not keep out the devices of its credential beside it', async () => {
    const shared = '127.0.0.13';
    const before = await rateLimited();
    for (let i = 0; i < PER_ADDRESS + 5; i++) expect(await login(shared, 'flat-d', 'the-old-password')).toBe(4);
    // The same wrong password, again and again, counts once.
    expect(await login(shared, 'flat-d', passwordOf('flat-d'))).toBe(0);
    expect(await rateLimited()).toBe(before);
  });

  it('one credential guessed from many addresses is checked only from addresses that have not failed it', async () => {
    const guessers = ['127.0.0.21', '127.0.0.22', '127.0.0.23'];
    for (const address of guessers) expect(await guess(address, 'flat-e', PER_ADDRESS)).not.toContain(3);
    // A fourth address: its first guess is checked, its second is not (the credential's failures are past its bound).
    expect(PER_ADDRESS * guessers.length).toBeGreaterThanOrEqual(PER_CREDENTIAL);
    expect(await guess('127.0.0.24', 'flat-e', 2)).toEqual([4, 3]);
    // The device itself, from its own address, gets in.
    expect(await login('127.0.0.25', 'flat-e', passwordOf('flat-e'))).toBe(0);
  });
});
