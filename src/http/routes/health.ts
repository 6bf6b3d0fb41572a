import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';

// Placeholder: filled in by the web-surface work.
export async function healthRoutes(_app: FastifyInstance, _opts: { deps: AppDeps }): Promise<void> {}
