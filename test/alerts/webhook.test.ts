// Webhook security: timestamped signatures a receiver can check, no redirects, no private addresses unless allowed.
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import {
  REPLAY_WINDOW_MS,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  WebhookAddressRefused,
  isPublicAddress,
  postWebhook,
  signWebhook,
  verifyWebhook,
  type WebhookDelivery,
} from '../../hub/alerts/webhook.js';
import {
  nth,
  homeConfig,
  pendantPress,
  startStage,
  webhookReceiver,
  type AlertStage,
  type WebhookReceiver,
} from './helpers.js';

const SECRET = 'call-centre-secret-0123';
/** A local receiver answers in milliseconds; generous for a loaded CI machine (a refusal does not wait for it). */
const TIMEOUT_MS = 15_000;
const NOW_MS = Date.UTC(2026, 10, 22, 9, 0, 0);
const toClose: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close();
});

function delivery(url: string, extra: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return { url, secret: SECRET, body: '{"alert":{"id":"a1"}}', alertId: 'a1', version: 1, deliveryId: 7, ...extra };
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await webhookReceiver();
  toClose.push(r);
  return r;
}

describe('the signature', () => {
  const body = '{"alert":{"id":"a1","version":2}}';
  const timestampS = NOW_MS / 1000;
  const signature = signWebhook(body, SECRET, timestampS);
  const check = (over: Partial<Parameters<typeof verifyWebhook>[0]>) =>
    verifyWebhook({ body, signature, timestamp: String(timestampS), secret: SECRET, nowMs: NOW_MS + 1000, ...over });

  it('covers the timestamp and the body: a receiver accepts the request as sent', () => {
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(check({})).toEqual({ ok: true });
  });

  it('a replay older than 5 minutes is refused, as is a re-dated, altered or unsigned one', () => {
    expect(check({ nowMs: NOW_MS + REPLAY_WINDOW_MS + 1000 })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ nowMs: NOW_MS - REPLAY_WINDOW_MS - 1000 })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ timestamp: String(timestampS + 60) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ body: body.replace('2', '3') })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ secret: 'another-secret-0123456' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ timestamp: '1e9' })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing-header' });
  });

  it('is sent with the timestamp of the send, checkable by the receiver', async () => {
    const r = await receiver();
    await postWebhook(delivery(r.url, { allowPrivateNetwork: true }), TIMEOUT_MS, { nowMs: () => NOW_MS });
    const post = nth(r.requests, 0);
    expect(post.headers[TIMESTAMP_HEADER]).toBe(String(NOW_MS / 1000));
    const verdict = verifyWebhook({
      body: post.body,
      signature: post.headers[SIGNATURE_HEADER] as string,
      timestamp: post.headers[TIMESTAMP_HEADER] as string,
      secret: SECRET,
      nowMs: NOW_MS + 2000,
    });
    expect(verdict).toEqual({ ok: true });
  });
});

describe('where a webhook may go', () => {
  it('knows public addresses from loopback, private, link-local, CGNAT, multicast and mapped ones', () => {
    const refused = [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ];
    for (const address of refused) expect(isPublicAddress(address), address).toBe(false);
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '::ffff:93.184.216.34'])
      expect(isPublicAddress(address), address).toBe(true);
  });

  it('a receiver on loopback gets nothing unless the configuration allows private networks', async () => {
    const r = await receiver();
    await expect(postWebhook(delivery(r.url), TIMEOUT_MS)).rejects.toThrow(WebhookAddressRefused);
    await expect(postWebhook(delivery(r.url.replace('127.0.0.1', 'localhost')), TIMEOUT_MS)).rejects.toThrow(
      /allowPrivateNetwork/,
    );
    expect(r.requests).toHaveLength(0);
    await postWebhook(delivery(r.url, { allowPrivateNetwork: true }), TIMEOUT_MS);
    expect(r.requests).toHaveLength(1);
  });

  it('every address of the host name is checked: one private address among public ones refuses it', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(postWebhook(delivery('https://call-centre.example/hook'), TIMEOUT_MS, { resolve })).rejects.toThrow(
      /10\.0\.0\.5/,
    );
  });

  it('connects to the address it checked, resolving the name once (no second answer for DNS rebinding)', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    let lookups = 0;
    const resolve = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    // The name exists nowhere but in this resolver: the request can only arrive through the pinned address.
    await postWebhook(
      delivery(`http://call-centre.invalid:${port}/telecare`, { allowPrivateNetwork: true }),
      TIMEOUT_MS,
      {
        resolve,
      },
    );
    expect(lookups).toBe(1);
    expect(r.requests).toHaveLength(1);
    expect(nth(r.requests, 0).headers.host).toBe(`call-centre.invalid:${port}`);
  });

  it('a resolver that answers nothing fails the delivery at its timeout, with two lookups in flight at most', async () => {
    // The system resolver runs on libuv's pool of four threads, which also fsyncs the event store: before, each
    // delivery's lookup waited for the resolver with no bound (the request's timeout starts after it), one per
    // delivery at once, so four hung lookups took the pool (review, session 58).
    let begun = 0;
    const answer = [{ address: '127.0.0.1', family: 4 }];
    const gate: (() => void)[] = [];
    const resolve = () => {
      begun++;
      return new Promise<typeof answer>((ok) => gate.push(() => ok(answer)));
    };
    const r = await receiver();
    const port = new URL(r.url).port;
    const hook = delivery(`http://call-centre.invalid:${port}/telecare`, { allowPrivateNetwork: true });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => postWebhook(hook, 300, { resolve })));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/no address within 300 ms/);
    }
    // Two lookups began; the two that waited their turn and timed out never began.
    expect(begun).toBe(2);
    expect(r.requests).toHaveLength(0);
    // Another resolver is not held behind this one.
    await postWebhook(hook, TIMEOUT_MS, { resolve: async () => answer });
    expect(r.requests).toHaveLength(1);
    // A third delivery waits its turn behind the two hung lookups; once they answer at last, their answer is kept and
    // serves it (and the next) without another lookup.
    const next = postWebhook(hook, TIMEOUT_MS, { resolve });
    expect(begun).toBe(2);
    for (const open of gate.splice(0)) open();
    await next;
    await postWebhook(hook, TIMEOUT_MS, { resolve });
    expect(begun).toBe(2);
    expect(r.requests).toHaveLength(3);
  });

  it('a redirect is a failed delivery and is not followed', async () => {
    const target = await receiver();
    const redirecting = http.createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    toClose.push({ close: () => new Promise<void>((resolve) => redirecting.close(() => resolve())) });
    const url = `http://127.0.0.1:${(redirecting.address() as net.AddressInfo).port}/hook`;
    await expect(postWebhook(delivery(url, { allowPrivateNetwork: true }), TIMEOUT_MS)).rejects.toThrow(
      /redirect \(HTTP 307\)/,
    );
    expect(target.requests).toHaveLength(0);
  });
});

describe('through the alert outbox', () => {
  let stage: AlertStage | undefined;
  afterEach(async () => {
    await stage?.close();
    stage = undefined;
  });

  it('a responder webhook on a private address without allowPrivateNetwork gets no alert: the attempt fails', async () => {
    stage = await startStage();
    const callCentre = await stage.webhook();
    const clock = new FakeClock();
    const metrics = createMetricsRegistry();
    const refusedConfig = homeConfig([{ id: 'cc', group: 'first', webhook: { url: callCentre.url, secret: SECRET } }]);
    const { alerts } = await stage.alertService(refusedConfig, clock, metrics);
    alerts.apply(pendantPress(clock.now()));
    await alerts.settled();
    expect(callCentre.requests).toHaveLength(0);
    expect(await metrics.metrics()).toContain('telecare_alert_delivery_failures_total{channel="webhook"} 1');
  });
});
