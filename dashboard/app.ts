// The Fastify app (built apart from listen() so tests use inject()): health and HTTP event intake for now.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DashboardDeps } from './deps.js';

export async function buildApp(deps: DashboardDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger.child({ ns: 'http' }) as FastifyBaseLogger, bodyLimit: 64 * 1024 });

  app.get('/api/health', async () => ({ status: 'ok', ...deps.health() }));

  app.post('/api/events', async (request, reply) => {
    const result = await deps.ingestHttp(request.body);
    if (!result.ok) return reply.code(400).send({ error: result.reason, message: result.message });
    return reply.code(202).send({ accepted: result.accepted });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  return app;
}
