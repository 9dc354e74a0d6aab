// Cross-site request forgery: state-changing requests must come from the hub's own pages (or from programs), with JSON bodies.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DashboardError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * SameSite=Strict cookies travel with requests from another port of the same host (same site, other origin), so
 * the browser's own word on where a request comes from decides: `Sec-Fetch-Site` when sent, else `Origin`.
 * A request with neither comes from a program, not from a page (every current browser sends `Origin` on POST).
 */
function crossSiteReason(request: FastifyRequest, trustedOrigins: ReadonlySet<string>): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined && trustedOrigins.has(origin)) return undefined;
  const fetchSite = request.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string') {
    return fetchSite === 'same-origin' || fetchSite === 'none' ? undefined : `Sec-Fetch-Site: ${fetchSite}`;
  }
  if (origin === undefined) return undefined;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  return host !== undefined && host === request.host ? undefined : `Origin ${origin}`;
}

/** JSON only: a form or a `text/plain` fetch from another page cannot make a body the API takes. */
function bodyTypeReason(request: FastifyRequest): string | undefined {
  const type = request.headers['content-type'];
  if (type === undefined) {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    return hasBody ? 'a body without Content-Type' : undefined;
  }
  const mediaType = (type.split(';', 1)[0] ?? '').trim().toLowerCase();
  return mediaType === 'application/json' ? undefined : `Content-Type ${mediaType}`;
}

/** Every POST, PUT, PATCH and DELETE passes here before anything else looks at it. */
export function installCsrfProtection(app: FastifyInstance, trustedOrigins: readonly string[] = []): void {
  const trusted = new Set(trustedOrigins);
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    // A bearer token is never sent by a browser on its own (no cookie-like ambient credential): programs pass.
    const byToken = request.headers.authorization !== undefined;
    const crossSite = byToken ? undefined : crossSiteReason(request, trusted);
    if (crossSite) {
      throw new DashboardError(
        'CROSS_SITE_REQUEST',
        `Refused a state-changing request from another site (${crossSite})`,
      );
    }
    const badType = bodyTypeReason(request);
    if (badType) throw new DashboardError('JSON_REQUIRED', `Send application/json (got ${badType})`);
  });
}
