// The API docs (OpenAPI at /docs/json, Swagger UI at /docs), loaded on their first request: most hubs never serve them.
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';

const DOCS_PREFIX = '/docs';

/** Headers of the docs app's answer that the hub's own reply sets itself. */
const NOT_FORWARDED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/** Request headers the docs app may act on (caching); never the caller's cookie or token. */
const FORWARDED_REQUEST = ['accept', 'accept-encoding', 'if-none-match', 'if-modified-since'] as const;

/**
 * The routes registered on `app` after this call, to be documented: call it before registering the API's routes.
 * Only the route options are kept (the app holds them anyway); HEAD twins and the docs' own routes are left out.
 */
export function collectDocumentedRoutes(app: FastifyInstance): RouteOptions[] {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD' && !route.url.startsWith(DOCS_PREFIX)) routes.push(route);
  });
  return routes;
}

/**
 * A Fastify instance of its own, never listening, with @fastify/swagger and @fastify/swagger-ui (and their
 * dependencies: yaml, @fastify/static, about 2 MB of resident memory) and a stand-in for each documented route.
 * Its routes never run, so their schemas are not compiled again: the hub's app validates the real requests.
 */
async function buildDocsApp(app: FastifyInstance, routes: readonly RouteOptions[]): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const docs = Fastify({
    loggerInstance: app.log.child({ ns: 'docs' }),
    logController: new LogController({ disableRequestLogging: true }),
  });
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await docs.register(swagger, {
    openapi: {
      info: {
        title: 'Telecare hub API',
        version: '1',
        description: 'Log in with POST /api/login (session cookie) or send `Authorization: Bearer <token>`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'telecare_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  const standIn = async (): Promise<never> => {
    throw new Error('a documented route is served by the hub, not by the docs');
  };
  for (const route of routes) {
    docs.route({
      method: route.method,
      url: route.url,
      ...(route.schema ? { schema: route.schema } : {}),
      ...(route.config ? { config: route.config } : {}),
      handler: standIn,
    });
  }
  // Swagger UI's own files come from the package (no CDN); its routes need a login like everything else.
  await docs.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { validatorUrl: null },
    // The package's policy (hashes of its inline scripts), narrowed to the hub itself: no https: or validator
    // sources, no framing, and no upgrade-insecure-requests (a hub on a LAN address may be served over plain HTTP).
    // Swagger UI sets style attributes from its script, so styles (never scripts) may be inline on these pages.
    staticCSP: true,
    transformStaticCSP: (header: string) =>
      header
        .replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';")
        .replace(/ https:/g, '')
        .replace(' validator.swagger.io', '')
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/\s*upgrade-insecure-requests;/, '') + " connect-src 'self';",
  });
  await docs.ready();
  return docs;
}

/**
 * GET /docs and /docs/* on the hub's app (behind its login, like every route without `access`), answered by the
 * docs app, built on the first request. `routes` comes from `collectDocumentedRoutes`, called before the routes.
 */
export function registerDocs(app: FastifyInstance, routes: readonly RouteOptions[]): void {
  let docs: Promise<FastifyInstance> | undefined;
  app.addHook('onClose', async () => {
    if (docs) await (await docs.catch(() => undefined))?.close();
  });
  const serve = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    // A failed build is tried again on the next request rather than remembered.
    docs ??= buildDocsApp(app, routes).catch((err: unknown) => {
      docs = undefined;
      throw err;
    });
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await (await docs).inject({ method: 'GET', url: request.url, headers });
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !NOT_FORWARDED.has(name)) reply.header(name, value);
    }
    return reply.code(answer.statusCode).send(answer.rawPayload);
  };
  app.get(DOCS_PREFIX, { schema: { hide: true } }, serve);
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, serve);
}
