// mcpwatch's own MCP server: read-only tools over the endpoints it watches. One instance per
// request (the SDK's stateless serving builds one from the factory each time), scoped to what the
// caller may see.
import { McpServer, type CacheHint, type CallToolResult } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { FAILURE_CODES } from '../domain/failure-codes.ts';
import { ERAS } from '../domain/probe-result.ts';
import { MCPWATCH_VERSION } from '../version.ts';
import { INCIDENT_LIMIT, UPTIME_WINDOWS, endpointStatus, listEndpoints, openIncidents, uptime, type ReadDeps, type Visibility } from './queries.ts';

export const MCP_SERVER_INFO = { name: 'mcpwatch', version: MCPWATCH_VERSION } as const;

const INSTRUCTIONS =
  'Read-only view of the MCP servers this mcpwatch instance monitors: which endpoints exist, whether each is up ' +
  '(and why not), uptime and latency over a window, and open incidents. Endpoints are named by slug; ' +
  'call list_endpoints first to find them.';

/**
 * The tool list and the discover result are the same for every caller (visibility narrows the
 * data a tool returns, never which tools exist) and change only when mcpwatch is upgraded, which
 * restarts it: shared caches may keep them. An hour bounds how long a client keeps a list from
 * before an upgrade; the SDK's default (0, private) would have clients refetch on every use.
 */
export const LIST_CACHE_HINT: Readonly<CacheHint> = Object.freeze({ ttlMs: 3_600_000, cacheScope: 'public' });

const STATUS_WORDS = ['up', 'degraded', 'auth_required', 'down', 'unknown', 'paused', 'archived'] as const;

const slugInput = z.string().min(1).max(64).describe('Endpoint slug, as list_endpoints shows it');
const statusWord = z.enum(STATUS_WORDS);
const era = z.enum(ERAS).nullable();
const code = z.enum(FAILURE_CODES);

const incidentShape = z.object({
  id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  startedAt: z.string(),
  openForS: z.number(),
  firstCode: code,
  firstDetail: z.string(),
  lastCode: code,
  lastDetail: z.string(),
});

const listOutput = z.object({ endpoints: z.array(z.object({ slug: z.string(), name: z.string(), status: statusWord, era })) });

const statusOutput = z.object({
  slug: z.string(),
  name: z.string(),
  status: statusWord,
  health: z.enum(['unknown', 'up', 'down']),
  healthSince: z.string().nullable(),
  code: code.nullable(),
  detail: z.string().nullable(),
  lastCheckedAt: z.string().nullable(),
  lastDurationMs: z.number().nullable(),
  uptime24h: z.number().nullable(),
  certDaysLeft: z.number().nullable(),
  certNotAfter: z.string().nullable(),
  era,
  protocolVersion: z.string().nullable(),
  serverName: z.string().nullable(),
  serverVersion: z.string().nullable(),
  toolsCount: z.number().nullable(),
  openIncident: incidentShape.nullable(),
});

const uptimeOutput = z.object({
  slug: z.string(),
  window: z.enum(UPTIME_WINDOWS),
  from: z.string(),
  to: z.string(),
  ratio: z.number().nullable(),
  percent: z.number().nullable().describe('The figure the pages show: percent floored to two decimals'),
  rounds: z.number(),
  up: z.number(),
  degraded: z.number(),
  authRequired: z.number(),
  down: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});

const incidentsOutput = z.object({ incidents: z.array(incidentShape) });

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

function structured<T extends object>(data: T): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

// The same words for "does not exist" and "not yours to see".
function unknownSlug(slug: string): CallToolResult {
  return { content: [{ type: 'text', text: `no endpoint with slug ${JSON.stringify(slug)}` }], isError: true };
}

export function createMcpwatchServer(deps: ReadDeps, visibility: Visibility): McpServer {
  const server = new McpServer(
    { ...MCP_SERVER_INFO },
    {
      instructions: INSTRUCTIONS,
      // The SDK declares tools.listChanged once a tool is registered; this list never changes
      // while the process runs, so a client's listen stream would wait for nothing.
      capabilities: { tools: { listChanged: false } },
      cacheHints: { 'tools/list': { ...LIST_CACHE_HINT }, 'server/discover': { ...LIST_CACHE_HINT } },
    },
  );

  server.registerTool(
    'list_endpoints',
    {
      title: 'List endpoints',
      description: 'Monitored endpoints with their slug, name, last status (up, degraded, auth_required, down, unknown before the first check, paused, archived) and protocol era.',
      inputSchema: z.object({ status: statusWord.optional().describe('Only endpoints with this status') }),
      outputSchema: listOutput,
      annotations: READ_ONLY,
    },
    async ({ status }) => structured({ endpoints: (await listEndpoints(deps, visibility)).filter((e) => status === undefined || e.status === status) }),
  );

  server.registerTool(
    'endpoint_status',
    {
      title: 'Endpoint status',
      description:
        'Current status of one endpoint: last status with its failure code and detail, confirmed health, last check, ' +
        '24-hour uptime, certificate days left, protocol era and revision, server identity, tool count, open incident.',
      inputSchema: z.object({ slug: slugInput }),
      outputSchema: statusOutput,
      annotations: READ_ONLY,
    },
    async ({ slug }) => {
      const report = await endpointStatus(deps, visibility, slug);
      return report ? structured(report) : unknownSlug(slug);
    },
  );

  server.registerTool(
    'uptime',
    {
      title: 'Uptime',
      description: 'Uptime ratio (rounds that were not outages / all rounds) and latency p50/p95 of one endpoint over a window ending now.',
      inputSchema: z.object({ slug: slugInput, window: z.enum(UPTIME_WINDOWS).default('24h').describe('How far back: 24h, 7d, 30d or 90d') }),
      outputSchema: uptimeOutput,
      annotations: READ_ONLY,
    },
    async ({ slug, window }) => {
      const report = await uptime(deps, visibility, slug, window);
      return report ? structured(report) : unknownSlug(slug);
    },
  );

  server.registerTool(
    'open_incidents',
    {
      title: 'Open incidents',
      description: `Incidents not yet resolved, newest first (at most ${INCIDENT_LIMIT}), with the first and latest failure; optionally for one endpoint.`,
      inputSchema: z.object({ slug: slugInput.optional() }),
      outputSchema: incidentsOutput,
      annotations: READ_ONLY,
    },
    async ({ slug }) => {
      const incidents = await openIncidents(deps, visibility, slug);
      return incidents ? structured({ incidents }) : unknownSlug(slug ?? '');
    },
  );

  return server;
}
