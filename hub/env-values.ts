// Values of yes/no, port and origin-list settings read from the environment (the hub's and the centre's), each checked so
// that a mistake stops the start naming the variable instead of weakening a default silently.

/** A yes/no variable: 1/true/yes/on or 0/false/no/off; anything else is a mistake, never a silent "no". */
export function flag(value: string | undefined, name: string): boolean | undefined {
  if (!value) return undefined;
  const word = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(word)) return true;
  if (['0', 'false', 'no', 'off'].includes(word)) return false;
  throw new Error(`${name} must be 1 or 0 (or true/false, yes/no, on/off), not '${value}'`);
}

/** A port number variable (0: any free port); unset or empty is `fallback`; anything else is a mistake. */
export function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number 0-65535, not '${value}'`);
  return n;
}

/** Origins as a browser sends them (`https://host[:port]`); a value that is not one would never match, silently. */
export function origins(value: string | undefined, name: string): string[] {
  return (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let url: URL | undefined;
      try {
        url = new URL(o);
      } catch {
        url = undefined;
      }
      if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
        throw new Error(`${name}: '${o}' is not an origin such as https://care.example.org`);
      return url.origin;
    });
}

/**
 * The hub's own broker on this machine, where `telecare bridge` and `telecare simulate` publish unless given `--mqtt`:
 * port HUB_MQTT_PORT when it names one, else 1883. An installer who moved the hub's broker off 1883 (a Mosquitto holds
 * it) had the bridge and the simulator publish to that other broker, each saying it was connected, and the hub heard
 * nothing (review, session 65). HUB_MQTT_PORT=0 (any free port) names none: the hub's log says which it took.
 */
export function localBrokerUrl(env: NodeJS.ProcessEnv = process.env): string {
  let hubPort = 0;
  try {
    hubPort = port(env.HUB_MQTT_PORT?.trim(), 'HUB_MQTT_PORT', 1883);
  } catch {
    // Not a port: the hub refuses to start with it, and these tools keep to the default.
  }
  return `mqtt://127.0.0.1:${hubPort === 0 ? 1883 : hubPort}`;
}

// The schemes mqtt.js connects with in Node; any other (http:) it silently takes as mqtt: and loops on reconnecting.
const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:'];

/**
 * A broker's URL (the hub's HUB_MQTT_URL, `telecare simulate --mqtt`); never echoed in the message (it may carry the
 * broker's password).
 */
export function brokerUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // A host and port with no scheme ("localhost:1883", "127.0.0.1:1883"; nothing in it can be a password) was told
  // "not 'localhost://'", or nothing at all (review, session 65): say the URL it wants.
  if (/^[A-Za-z0-9.-]+:\d{1,5}$/.test(value) && !BROKER_SCHEMES.includes(url?.protocol ?? '')) {
    throw new Error(`${name} must start with mqtt:// (or mqtts://, ws://, wss://): write mqtt://${value}`);
  }
  if (url === undefined || !BROKER_SCHEMES.includes(url.protocol)) {
    const scheme = url === undefined ? '' : `, not '${url.protocol}//'`;
    throw new Error(
      `${name} must start with mqtt:// or mqtts:// (or ws://, wss://), e.g. mqtt://127.0.0.1:1884${scheme}`,
    );
  }
  if (url.hostname === '') throw new Error(`${name} has no host name, e.g. mqtt://127.0.0.1:1884`);
  return value;
}
