// The uplink's settings (SPEC 10) read from the environment and checked up front, with errors naming the variable.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { flag } from './env-values.js';
import { isLoopback } from './mqtt-auth.js';
import { readCaOrCause } from './pem-files.js';

/** Every item the queue may hold before the oldest superseded ones are dropped (HUB_UPLINK_MAX_QUEUE). */
export const DEFAULT_UPLINK_MAX_QUEUE = 100_000;
/** The shortest council key taken: 32 characters (e.g. `openssl rand -hex 16` gives 32 hex digits). */
export const MIN_COUNCIL_KEY_CHARS = 32;
/** A hub id is one MQTT topic level the centre's NATS gateway can carry: no '/', '+', '#', '.', spaces. */
const HUB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface UplinkSettings {
  /** mqtt://host:port or mqtts://host:port of the alarm receiving centre's broker (HUB_UPLINK_URL). */
  url: string;
  /** HUB_ID: the hub's name at the centre, in every topic and payload. */
  hubId: string;
  username: string | undefined;
  password: string | undefined;
  /** HUB_UPLINK_CA: PEM file of the centre's certificate authority (mqtts only; default: the system's CAs). */
  caFile: string | undefined;
  /** HUB_COUNCIL_KEY: the key of the home pseudonyms in daily features; no features are sent without it. */
  councilKey: string | undefined;
  maxQueue: number;
  /**
   * Why the uplink must not connect (mqtt:// to another machine without HUB_UPLINK_ALLOW_PLAINTEXT), or undefined.
   * The hub still starts and keeps the resident safe locally; the uplink queues what it would send (nothing is lost
   * once the URL is mqtts://) and never connects in clear (`Uplink.start`).
   */
  refused?: string;
}

export class UplinkSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UplinkSettingsError';
  }
}

/** The uplink's settings, or undefined when HUB_UPLINK_URL is not set; throws UplinkSettingsError on a bad value. */
export function uplinkSettingsFromEnv(env: NodeJS.ProcessEnv, cwd: string): UplinkSettings | undefined {
  const url = env.HUB_UPLINK_URL || undefined;
  if (url === undefined) {
    for (const name of ['HUB_UPLINK_USER', 'HUB_UPLINK_PASSWORD', 'HUB_UPLINK_CA'] as const) {
      if (env[name]) throw new UplinkSettingsError(`${name} is set but HUB_UPLINK_URL is not: set both or neither`);
    }
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UplinkSettingsError(`HUB_UPLINK_URL is not a URL: use mqtts://host:port (or mqtt:// on a trusted link)`);
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') {
    throw new UplinkSettingsError(
      `HUB_UPLINK_URL must start with mqtts:// (or mqtt://), not '${parsed.protocol}//': the uplink speaks MQTT`,
    );
  }
  if (parsed.username || parsed.password) {
    // A password in a URL ends up in logs and process listings.
    throw new UplinkSettingsError(
      'HUB_UPLINK_URL must not carry a user or password: set HUB_UPLINK_USER and HUB_UPLINK_PASSWORD instead',
    );
  }
  if (parsed.hostname === '') throw new UplinkSettingsError('HUB_UPLINK_URL has no host name');
  const hubId = env.HUB_ID || undefined;
  if (hubId === undefined) {
    throw new UplinkSettingsError('HUB_ID must be set with HUB_UPLINK_URL: the name of this hub at the centre');
  }
  if (!HUB_ID_PATTERN.test(hubId)) {
    throw new UplinkSettingsError(
      `HUB_ID '${hubId}' is not allowed: 1 to 64 letters, digits, '-' or '_' (it is one MQTT topic level)`,
    );
  }
  const username = env.HUB_UPLINK_USER || undefined;
  const password = env.HUB_UPLINK_PASSWORD || undefined;
  if (password !== undefined && username === undefined) {
    throw new UplinkSettingsError('HUB_UPLINK_PASSWORD is set without HUB_UPLINK_USER: set both');
  }
  const ca = env.HUB_UPLINK_CA || undefined;
  if (ca !== undefined && parsed.protocol !== 'mqtts:') {
    throw new UplinkSettingsError('HUB_UPLINK_CA is set but HUB_UPLINK_URL is not mqtts://: the CA is for TLS');
  }
  // Alerts name homes, residents and rooms, and the hub's password goes with the connect: never in clear over a
  // network unless the installer says the link is private (a VPN, a leased line). Not a reason to stop the hub: until
  // session 28 the centre's gateway spoke plain MQTT only, so every hub reporting to one was set up so; stopping them
  // at an upgrade would leave their residents unwatched. The uplink is refused instead (`refused`, said in the log and
  // in /api/health).
  const refused =
    plaintextAcrossNetwork(parsed) && !allowPlaintext(env)
      ? 'HUB_UPLINK_URL is mqtt:// to another machine: alerts and the hub password would cross the network unencrypted, so the uplink does not connect (what it would send is kept). ' +
        "Use mqtts:// (HUB_UPLINK_CA for the centre's own CA), or set HUB_UPLINK_ALLOW_PLAINTEXT=1 if the link is private (a VPN)"
      : undefined;
  const councilKey = env.HUB_COUNCIL_KEY || undefined;
  if (councilKey !== undefined && councilKey.length < MIN_COUNCIL_KEY_CHARS) {
    throw new UplinkSettingsError(
      `HUB_COUNCIL_KEY is too short: at least ${MIN_COUNCIL_KEY_CHARS} characters (a key a guess cannot find)`,
    );
  }
  return {
    url,
    hubId,
    username,
    password,
    caFile: ca === undefined ? undefined : path.resolve(cwd, ca),
    councilKey,
    maxQueue: positiveInteger(env.HUB_UPLINK_MAX_QUEUE, 'HUB_UPLINK_MAX_QUEUE', DEFAULT_UPLINK_MAX_QUEUE),
    ...(refused ? { refused } : {}),
  };
}

/**
 * What the hub says when its uplink user is not its id: the centre's own tools make each hub's user its id (`telecare
 * central hub add <hubId>` prints HUB_UPLINK_USER=<hubId>; the NATS users are named after the hubs) and let it write
 * only its own id's topics. Said at the start and by `--check-config` (review, session 76: only the start said it).
 */
export function uplinkUserAdvice(settings: Pick<UplinkSettings, 'hubId' | 'username'>): string | undefined {
  if (settings.username === undefined || settings.username === settings.hubId) return undefined;
  return (
    `HUB_UPLINK_USER (${settings.username}) is not HUB_ID (${settings.hubId}): a centre set up with ` +
    "`telecare central hub add` names each hub's user after its id and lets it write only its own topics, so " +
    'it would refuse what this hub sends; check both settings'
  );
}

/**
 * `mqtt://` to another machine: refused unless HUB_UPLINK_ALLOW_PLAINTEXT. To `localhost` or a loopback address the
 * connection never leaves the machine (a TLS tunnel's local end, tests); a name that only looks like one does.
 */
export function plaintextAcrossNetwork(url: URL): boolean {
  if (url.protocol !== 'mqtt:') return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return host !== 'localhost' && !(isIP(host) !== 0 && isLoopback(host));
}

function allowPlaintext(env: NodeJS.ProcessEnv): boolean {
  try {
    return flag(env.HUB_UPLINK_ALLOW_PLAINTEXT, 'HUB_UPLINK_ALLOW_PLAINTEXT') === true;
  } catch (err) {
    throw new UplinkSettingsError((err as Error).message);
  }
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100) {
    throw new UplinkSettingsError(`${name} must be a whole number, at least 100, not '${value}'`);
  }
  return n;
}

/**
 * HUB_UPLINK_CA read and checked: the centre's CA certificates, or why the uplink cannot use the file (`refused`: the
 * hub starts and watches the home, the uplink keeps what it would send and connects to nothing, as with mqtt:// to
 * another machine). Before session 73 the file was read raw: a missing one stopped the hub at its start ("ENOENT ...",
 * a folder "EISDIR: illegal operation on a directory, read", neither naming the variable) and left the home unwatched
 * over a file only the uplink needs; one with no certificate in it (the key given for it, a DER file) was taken without
 * a word and every connection then failed on "self-signed certificate".
 */
export function readUplinkCa(
  file: string,
  read: (file: string) => Buffer = readFileSync,
): { ca: Buffer } | { refused: string } {
  const refused = (cause: string): { refused: string } => ({
    refused:
      `HUB_UPLINK_CA ${file} cannot be used: ${cause}. The uplink does not connect (what it would send is kept): ` +
      "give the PEM file of the centre's certificate authority (-----BEGIN CERTIFICATE-----), or unset HUB_UPLINK_CA " +
      "to trust the system's CAs, and restart the hub",
  });
  const got = readCaOrCause(file, 'the hub', read);
  return 'cause' in got ? refused(got.cause) : { ca: got.bytes };
}

/** The URL without any user or password, for logs and /api/health. */
export function redactUplinkUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'invalid url';
  }
}
