// Analysts' council report of prevention outcomes (aggregated, pseudonymised), as JSON or CSV.
import type { FastifyInstance } from 'fastify';
import type { DashboardContext } from '../context.js';
import { principalOf } from '../access.js';
import { dateRange, startOfMonthUnderWay, wholeEndedMonths } from '../dates.js';
import { dateSchema, errors } from '../schemas.js';
import { reportTimezone } from '../../analytics/report.js';

export function registerReportRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get<{ Querystring: { from?: string; to?: string; format?: 'json' | 'csv' } }>(
    '/api/reports/prevention',
    {
      config: { access: 'reports:read' },
      schema: {
        tags: ['reports'],
        summary:
          'Council prevention report (default: the last 90 days; for an analyst, the whole months that have ended within the range asked); counts only',
        querystring: {
          type: 'object',
          properties: {
            from: dateSchema,
            to: dateSchema,
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          },
          additionalProperties: false,
        },
        response: { ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      // Months and days of the report's own dates: its homes' time zone (UTC when they differ).
      const zone = reportTimezone(ctx.deps.config);
      const asked = dateRange(request.query.from, request.query.to, ctx.clock.now(), 90, zone);
      // An analyst sees aggregated data only: no period shorter than a month, none still under way, and nothing the
      // month under way brought (a fall after a flag, an outcome given since).
      const analyst = principalOf(request).role === 'analyst';
      const range = analyst ? wholeEndedMonths(asked, ctx.clock.now(), zone) : asked;
      const { analytics } = ctx;
      const knownBy = analyst ? startOfMonthUnderWay(ctx.clock.now(), zone) : undefined;
      const report = await analytics.preventionReport(range.from, range.to, knownBy);
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="prevention-${range.from}-${range.to}.csv"`)
          .send(analytics.preventionCsv(report));
      }
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
