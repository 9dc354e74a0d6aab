// The Fastify app (built apart from listen() so tests use inject()): auth, roles, the API of SPEC 9, SSE, OpenAPI and pages.
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import type { Counter } from 'prom-client';
import { createDashboardAnalytics } from '../analytics/dashboard.js';
import { systemClock } from '../hub/clock.js';
import { installAccessControl } from './access.js';
import { frameworkAnswers, installAnswerHeaders } from './answer-headers.js';
import { AuthStore } from './auth.js';
import { dashboardMetrics, type DashboardContext } from './context.js';
import { capAppConnections } from './connection-cap.js';
import { installCsrfProtection } from './csrf.js';
import { servedOverHttps, type DashboardDeps } from './deps.js';
import { DashboardError } from './errors.js';
import { LoginThrottle } from './login-throttle.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAlertStream } from './routes/alert-stream.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { collectDocumentedRoutes, registerDocs } from './routes/docs.js';
import { registerHomeRoutes } from './routes/homes.js';
import { registerIntakeRoutes } from './routes/intake.js';
import { registerPages } from './routes/pages.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerSessionRoutes } from './routes/session.js';
import { lazySchemaController } from './lazy-schemas.js';

/** Reasons of telecare_ingest_rejected_total (hub/ingest.ts) for the event intake requests Fastify refuses itself. */
const INTAKE_REFUSALS: Record<string, 'too-large' | 'bad-json' | 'home-not-allowed'> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too-large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'bad-json',
  JSON_REQUIRED: 'bad-json',
  // A device's token posting for a home not among its own (dashboard/routes/intake.ts).
  FORBIDDEN_HOME: 'home-not-allowed',
};

/**
 * POST /api/events bodies refused before ingest sees them are counted with ingest's own rejections, so the
 * counter adds up whichever way bad input came. Ingest owns the counter; without it (the dashboard alone) nothing is counted.
 */
function intakeRefusalCounter(deps: DashboardDeps): (error: FastifyError | DashboardError) => void {
  return (error) => {
    const reason = INTAKE_REFUSALS[error.code];
    const counter = deps.metrics.getSingleMetric('telecare_ingest_rejected_total') as Counter<'reason'> | undefined;
    if (reason && counter) counter.inc({ reason });
  };
}

/** The dashboard's address to log in at, as its server listens: this machine's name when it listens everywhere. */
function loginAddress(address: string | AddressInfo | null, https: boolean): string {
  const scheme = https ? 'https' : 'http';
  if (address === null || typeof address === 'string') return 'the dashboard';
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = address.family === 'IPv6' && !wildcard ? `[${address.address}]` : address.address;
  return wildcard
    ? `${scheme}://localhost:${String(address.port)}/ on the hub, ${scheme}://<the hub's address>:${String(address.port)}/ from another machine`
    : `${scheme}://${host}:${String(address.port)}/`;
}

export async function buildApp(deps: DashboardDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const auth = new AuthStore(deps.db, (deps.sessionHours ?? 12) * 3_600_000);
  const { generatedPassword, replaced } = await auth.ensureAdmin(deps.adminPassword, clock.now());
  const ctx: DashboardContext = {
    deps,
    auth,
    throttle: new LoginThrottle(),
    clock,
    metrics: dashboardMetrics(deps.metrics),
    analytics: deps.analytics ?? createDashboardAnalytics(deps.db, () => deps.config, clock),
  };

  // Typed as the plain HTTP instance: routes and hooks are the same over HTTPS.
  const app = Fastify({
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key } } : {}),
    // The cast keeps Fastify's instance type the plain one (pino's own Logger type would leak into every route).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger.child({ ns: 'http' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // No line per request: URLs name homes and alerts (nothing personal at info), and a Pi's log would fill.
    logController: new LogController({ disableRequestLogging: true }),
    // Union types (`['string', 'null']`) are plain JSON Schema; Ajv's strict mode only warns about them.
    ajv: { customOptions: { allowUnionTypes: true } },
    // Each route's schemas compiled on its first request, not at start (a power cut's restart; dashboard/lazy-schemas.ts).
    schemaController: lazySchemaController(),
    // An undecodable URL, a request that is not HTTP, one while closing: the same body and headers as any error.
    ...frameworkAnswers({ https: servedOverHttps(deps) }),
  });

  capAppConnections(app, () => ctx.metrics.connectionsRefused.inc());

  const countIntakeRefusal = intakeRefusalCounter(deps);
  app.setErrorHandler((error: FastifyError | DashboardError, request, reply) => {
    if (request.routeOptions.url === '/api/events') countIntakeRefusal(error);
    const known =
      error instanceof DashboardError
        ? error
        : error.validation
          ? new DashboardError('BAD_REQUEST', error.message)
          : // The analytics' own check of a date range (analytics/activity.ts).
            error.name === 'DateRangeError'
            ? new DashboardError('BAD_DATE_RANGE', error.message)
            : undefined;
    if (known) {
      if (known.retryAfterSeconds !== undefined) reply.header('retry-after', String(known.retryAfterSeconds));
      return reply.code(known.statusCode).send({ error: known.code, message: known.message });
    }
    // Fastify's own refusals (bad JSON, body too large, wrong content type) keep their FST_ code and message.
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: error.code, message: error.message });
    request.log.error({ err: error, url: request.routeOptions.url }, 'dashboard request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'Internal error; see the hub log' });
  });

  installAnswerHeaders(app, { https: servedOverHttps(deps) });

  if (generatedPassword) {
    // Shown to whoever starts the hub once it serves (a start that fails before shows nothing; the next start makes
    // a new one), never through the logger: it must not end up in log files.
    app.addHook('onListen', async () => {
      // Where to log in, beside the password: the address was only in a JSON line of the log (review, session 67).
      const line =
        `Dashboard user "admin" ${replaced ? 'given a new' : 'created with'} password: ${generatedPassword} ` +
        `(log in at ${loginAddress(app.server.address(), deps.https !== undefined)}; shown at each start until ` +
        'someone logs in with it; set HUB_ADMIN_PASSWORD to choose it)';
      if (deps.announce) deps.announce(line);
      else process.stderr.write(`${line}\n`);
    });
  }

  await app.register(cookie);
  // The OpenAPI document is made, and Swagger UI loaded, on the first request to /docs (dashboard/routes/docs.ts).
  const documented = collectDocumentedRoutes(app);
  installCsrfProtection(app, deps.trustedOrigins);
  installAccessControl(app, auth, clock);
  app.setNotFoundHandler(async (request) => {
    throw new DashboardError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
  });

  registerIntakeRoutes(app, ctx);
  registerSessionRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerAlertStream(app, ctx);
  registerHomeRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerPages(app);
  registerDocs(app, documented);

  return app;
}
