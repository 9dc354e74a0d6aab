// Background for a latency phase: MQTT connections with a wrong password, at a set rate (as a password-guessing flood).
import { connect, type MqttClient } from 'mqtt';

export interface BadLoginHandle {
  /** Connections attempted so far. */
  attempts(): number;
  /** Attempts the broker refused. */
  refused(): number;
  stop(): Promise<void>;
}

/**
 * Opens `ratePerS` connections a second, each a CONNECT as `installer` with a random wrong password; the broker
 * refuses them. No reconnects: every attempt is a new connection, as a guessing script makes them.
 */
export function startBadLogins(mqttUrl: string, ratePerS: number): BadLoginHandle {
  let attempts = 0;
  let refused = 0;
  const open = new Set<MqttClient>();
  const timer = setInterval(() => {
    attempts++;
    const client = connect(mqttUrl, {
      clientId: `bench-bad-${process.pid}-${attempts}`,
      username: 'installer',
      password: Math.random().toString(36).slice(2),
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    open.add(client);
    const done = (): void => {
      open.delete(client);
      client.end(true);
    };
    client.once('error', () => {
      refused++;
      done();
    });
    client.once('close', done);
    client.once('connect', done);
  }, 1000 / ratePerS);
  return {
    attempts: () => attempts,
    refused: () => refused,
    async stop() {
      clearInterval(timer);
      for (const client of open) client.end(true);
      open.clear();
    },
  };
}

/**
 * `ratePerS` dashboard logins a second (`POST /api/login`) as `admin` with a random wrong password, each its own
 * request, as a password-guessing script sends them; the hub refuses them.
 */
export function startBadDashboardLogins(httpUrl: string, ratePerS: number): BadLoginHandle {
  let attempts = 0;
  let refused = 0;
  const open = new Set<AbortController>();
  const timer = setInterval(() => {
    attempts++;
    const abort = new AbortController();
    open.add(abort);
    fetch(`${httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: Math.random().toString(36).slice(2) }),
      signal: abort.signal,
    })
      .then(async (res) => {
        if (!res.ok) refused++;
        await res.body?.cancel();
      })
      .catch(() => undefined)
      .finally(() => open.delete(abort));
  }, 1000 / ratePerS);
  return {
    attempts: () => attempts,
    refused: () => refused,
    async stop() {
      clearInterval(timer);
      for (const abort of open) abort.abort();
      open.clear();
    },
  };
}
