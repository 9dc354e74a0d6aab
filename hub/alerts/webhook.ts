// Outgoing webhooks for call-centre platforms: a JSON POST signed with a timestamp, to a checked public address, no redirects.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export const SIGNATURE_HEADER = 'x-telecare-signature';
/** Unix seconds when the hub signed the request; signed with the body, so a captured request cannot be re-dated. */
export const TIMESTAMP_HEADER = 'x-telecare-timestamp';
/** A receiver refuses a request signed longer ago (or further ahead) than this. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

/** `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` under the responder's secret. */
export function signWebhook(body: string, secret: string, timestampS: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.`, 'utf8').update(body, 'utf8').digest('hex')}`;
}

export type WebhookCheck =
  { ok: true } | { ok: false; reason: 'missing-header' | 'bad-timestamp' | 'stale' | 'bad-signature' };

/**
 * For receivers (and tests): is this request from the hub, and fresh? Checks the signature in constant time over
 * the exact body bytes as received, and refuses a timestamp more than `windowMs` from the receiver's clock.
 * Receivers should also drop a repeated `X-Telecare-Delivery` id seen within the window.
 */
export function verifyWebhook(request: {
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  secret: string;
  nowMs: number;
  windowMs?: number;
}): WebhookCheck {
  const { body, signature, timestamp, secret, nowMs } = request;
  if (!signature || !timestamp) return { ok: false, reason: 'missing-header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  const timestampS = Number(timestamp);
  if (Math.abs(nowMs - timestampS * 1000) > (request.windowMs ?? REPLAY_WINDOW_MS))
    return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signWebhook(body, secret, timestampS));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given)
    ? { ok: true }
    : { ok: false, reason: 'bad-signature' };
}

export interface WebhookDelivery {
  url: string;
  secret: string;
  body: string;
  alertId: string;
  version: number;
  deliveryId: number;
  /** `responders[].webhook.allowPrivateNetwork`: the receiver may be on loopback, link-local or a private network. */
  allowPrivateNetwork?: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface PostWebhookOptions {
  /** Every address of a host name (default: the system resolver, as getaddrinfo answers). */
  resolve?(hostname: string): Promise<ResolvedAddress[]>;
  /** Wall-clock time for the signature's timestamp (default Date.now: receivers compare with their own clock). */
  nowMs?(): number;
}

/** A webhook address refused before any connection: retrying cannot help until the configuration changes. */
export class WebhookAddressRefused extends Error {
  override name = 'WebhookAddressRefused';
}

const systemResolve = (hostname: string): Promise<ResolvedAddress[]> => lookup(hostname, { all: true, verbatim: true });

type Resolve = NonNullable<PostWebhookOptions['resolve']>;

/**
 * Lookups of one resolver in flight at once. The system's (getaddrinfo) runs on libuv's thread pool of four, which also
 * carries the event store's fsyncs (a sensor's event is acknowledged after its fsync): a resolver that hangs (a home's
 * router with the internet down, answering nothing) held a thread per webhook delivery, and four responders' retries
 * took the whole pool, holding every acknowledgement back for the resolver's own timeout (review, session 58).
 */
const LOOKUPS_AT_ONCE = 2;
/** How long a host's addresses are reused: most responders' webhooks share a host, and a retry need not look it up. */
const ADDRESSES_KEPT_MS = 60_000;

interface Lookups {
  running: number;
  waiting: (() => void)[];
  known: Map<string, { at: number; addresses: ResolvedAddress[] }>;
}
const lookupsOf = new WeakMap<Resolve, Lookups>();

/**
 * `resolve(host)`, its answer kept for a minute, in turn behind the lookups of the same resolver in flight; the
 * delivery fails (the outbox retries it) when no address came within `timeoutMs`, and a lookup still waiting its
 * turn then is not begun. An answer that comes after is still kept for the next delivery.
 */
function resolveInTurn(
  resolve: Resolve,
  self: PostWebhookOptions,
  host: string,
  timeoutMs: number,
): Promise<ResolvedAddress[]> {
  let lookups = lookupsOf.get(resolve);
  if (!lookups) lookupsOf.set(resolve, (lookups = { running: 0, waiting: [], known: new Map() }));
  const turns = lookups;
  const kept = (): ResolvedAddress[] | undefined => {
    const known = turns.known.get(host);
    return known && performance.now() - known.at < ADDRESSES_KEPT_MS ? known.addresses : undefined;
  };
  const addresses = kept();
  if (addresses) return Promise.resolve(addresses);
  return new Promise<ResolvedAddress[]>((ok, fail) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      const waiting = turns.waiting.indexOf(begin);
      if (waiting >= 0) turns.waiting.splice(waiting, 1);
      fail(new Error(`webhook host ${host}: no address within ${timeoutMs} ms (the DNS resolver did not answer)`));
    }, timeoutMs);
    function begin(): void {
      // An answer that came while this one waited its turn serves it.
      const meanwhile = kept();
      if (meanwhile) {
        settled = true;
        clearTimeout(timer);
        ok(meanwhile);
        turns.waiting.shift()?.();
        return;
      }
      turns.running++;
      Promise.resolve()
        .then(() => resolve.call(self, host))
        .then(
          (addresses) => {
            if (addresses.length > 0) turns.known.set(host, { at: performance.now(), addresses });
            if (!settled) ok(addresses);
          },
          (err: unknown) => {
            if (!settled) fail(err instanceof Error ? err : new Error(String(err)));
          },
        )
        .finally(() => {
          settled = true;
          clearTimeout(timer);
          turns.running--;
          turns.waiting.shift()?.();
        });
    }
    if (turns.running < LOOKUPS_AT_ONCE) begin();
    else turns.waiting.push(begin);
  });
}

/** Only globally routed unicast: not loopback, private, link-local, unique-local, CGNAT, multicast or reserved. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() reads an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it carries.
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * The addresses the hub may connect to for this URL: every address of the host name is checked (one private
 * address among public ones refuses the host), unless the configuration allows private networks.
 */
async function checkedAddresses(
  url: URL,
  allowPrivateNetwork: boolean,
  options: PostWebhookOptions,
  timeoutMs: number,
): Promise<ResolvedAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  const addresses = family
    ? [{ address: host, family }]
    : // The resolver is its queue's key (called on `options`): a bound copy would be a new key at each delivery.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      await resolveInTurn(options.resolve ?? systemResolve, options, host, timeoutMs);
  if (addresses.length === 0) throw new Error(`webhook host ${host} has no address`);
  if (!allowPrivateNetwork) {
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) {
      throw new WebhookAddressRefused(
        `webhook host ${host} is at ${refused.address}, a loopback, private or link-local address: ` +
          'set responders[].webhook.allowPrivateNetwork to true to deliver there',
      );
    }
  }
  return addresses;
}

/** POST once; resolves on a 2xx answer, throws otherwise (the outbox retries). A redirect is a failure, never followed. */
export async function postWebhook(
  d: WebhookDelivery,
  timeoutMs: number,
  options: PostWebhookOptions = {},
): Promise<void> {
  const url = new URL(d.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookAddressRefused(`webhook URL must be http(s), not ${url.protocol}`);
  const [target] = await checkedAddresses(url, d.allowPrivateNetwork === true, options, timeoutMs);
  // checkedAddresses throws rather than return no address; the guard keeps the type honest.
  if (target === undefined) throw new Error(`webhook host ${url.hostname} has no address`);
  // Connect to the address just checked, never to a second answer of the resolver (DNS rebinding).
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const timestampS = Math.floor((options.nowMs ?? Date.now)() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(d.body)),
    [TIMESTAMP_HEADER]: String(timestampS),
    [SIGNATURE_HEADER]: signWebhook(d.body, d.secret, timestampS),
    'x-telecare-alert-id': d.alertId,
    'x-telecare-alert-version': String(d.version),
    'x-telecare-delivery': String(d.deliveryId),
  };
  const status = await new Promise<number>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      // A fresh connection each time (agent: false): a pooled socket would skip the address check.
      { method: 'POST', headers, lookup: pinned, agent: false, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        // Read the body to its end so the socket closes cleanly; its content is not used.
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(d.body);
  });
  if (status >= 300 && status < 400)
    throw new Error(`webhook answered a redirect (HTTP ${status}); redirects are not followed`);
  if (status < 200 || status >= 300) throw new Error(`webhook answered HTTP ${status}`);
}
