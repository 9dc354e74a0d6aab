// Outgoing webhooks for call-centre platforms: a JSON POST signed with HMAC-SHA256 of the exact body.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-telecare-signature';

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** For receivers (and tests): does `signature` match `body` under `secret`? Constant-time. */
export function verifySignature(body: string, signature: string | undefined, secret: string): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookDelivery {
  url: string;
  secret: string;
  body: string;
  alertId: string;
  version: number;
  deliveryId: number;
}

/** POST once; resolves on a 2xx answer, throws otherwise (the outbox retries). */
export async function postWebhook(d: WebhookDelivery, timeoutMs: number): Promise<void> {
  const response = await fetch(d.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signBody(d.body, d.secret),
      'x-telecare-alert-id': d.alertId,
      'x-telecare-alert-version': String(d.version),
      'x-telecare-delivery': String(d.deliveryId),
    },
    body: d.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  // Drain the body so the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
}
