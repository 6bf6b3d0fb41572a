// Liveness and readiness for orchestrators. /healthz answers while the process serves HTTP at all;
// /readyz only when the database takes writes and the scheduler runs, and names what is missing.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;

  app.get('/healthz', (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { database, scheduler } = await deps.readiness();
    const failed = [...(database ? [] : ['database']), ...(scheduler ? [] : ['scheduler'])];
    return reply
      .code(failed.length === 0 ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: failed.length === 0 ? 'ready' : 'not_ready', database, scheduler, failed });
  });
  return Promise.resolve();
}
