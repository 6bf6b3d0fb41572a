// The closed list of compliance checks (issue 15): what the specification requires of the era a
// server speaks and a probe can observe without side effects (no tool is ever called). Defined
// once; the runner, the CLI, the README test and the conformance agreement derive from it.
import type { ComplianceLevel } from '../domain/compliance.ts';
import type { Era } from '../domain/probe-result.ts';

const SPEC = 'https://modelcontextprotocol.io/specification';
const MODERN = `${SPEC}/2026-07-28`;
const LEGACY = `${SPEC}/2025-11-25`;

export interface CheckSpec {
  readonly id: string;
  readonly level: ComplianceLevel;
  /** The eras it applies to; for any other the check is not applicable. */
  readonly eras: readonly Era[];
  readonly title: string;
  /** The specification text the requirement is quoted from. */
  readonly spec: string;
}

const BOTH_HTTP: readonly Era[] = ['modern', 'streamable'];
const ALL: readonly Era[] = ['modern', 'streamable', 'sse'];

export const CHECKS = [
  // 2026-07-28: server/discover and the stateless HTTP transport.
  { id: 'modern.discover.supported-versions', level: 'MUST', eras: ['modern'], title: 'server/discover returns supportedVersions and capabilities', spec: `${MODERN}/server/discover#discoverresult` },
  { id: 'modern.discover.result-type', level: 'MUST', eras: ['modern'], title: 'the DiscoverResult carries resultType "complete"', spec: `${MODERN}/schema#result` },
  { id: 'modern.discover.ttl-ms', level: 'MUST', eras: ['modern'], title: 'the DiscoverResult carries a ttlMs caching hint >= 0', spec: `${MODERN}/server/utilities/caching#cacheable-results` },
  { id: 'modern.discover.cache-scope', level: 'MUST', eras: ['modern'], title: 'the DiscoverResult carries cacheScope "public" or "private"', spec: `${MODERN}/server/utilities/caching#cacheable-results` },
  { id: 'modern.discover.server-info', level: 'SHOULD', eras: ['modern'], title: "the DiscoverResult names the server in _meta['io.modelcontextprotocol/serverInfo']", spec: `${MODERN}/server/discover#discoverresult` },
  { id: 'modern.http.header-mismatch', level: 'MUST', eras: ['modern'], title: 'an MCP-Protocol-Version header that differs from _meta is refused with 400 and -32020', spec: `${MODERN}/basic/transports/streamable-http#protocol-version-header` },
  { id: 'modern.http.unsupported-version', level: 'MUST', eras: ['modern'], title: 'an unknown protocol version is refused with 400 and -32022 listing the supported versions', spec: `${MODERN}/basic/transports/streamable-http#protocol-version-header` },
  { id: 'modern.http.method-not-found', level: 'MUST', eras: ['modern'], title: 'an unknown method is answered with 404 and -32601', spec: `${MODERN}/basic/transports/streamable-http#protocol-version-header` },
  { id: 'modern.http.get-405', level: 'SHOULD', eras: ['modern'], title: 'GET on the MCP endpoint is answered 405 (2026-07-28 has no GET stream)', spec: `${MODERN}/basic/transports/streamable-http#earlier-streamable-http-revisions` },
  { id: 'modern.http.delete-405', level: 'SHOULD', eras: ['modern'], title: 'DELETE on the MCP endpoint is answered 405 (2026-07-28 has no sessions)', spec: `${MODERN}/basic/transports/streamable-http#earlier-streamable-http-revisions` },
  { id: 'modern.tools-list.caching-hints', level: 'MUST', eras: ['modern'], title: 'tools/list results carry ttlMs >= 0 and a valid cacheScope', spec: `${MODERN}/server/utilities/caching#cacheable-results` },
  // 2025 Streamable HTTP: sessions, notifications, the optional GET stream.
  { id: 'streamable.notification.202', level: 'MUST', eras: ['streamable'], title: 'an accepted notification is answered 202 Accepted with no body', spec: `${LEGACY}/basic/transports#sending-messages-to-the-server` },
  { id: 'streamable.http.get-stream-or-405', level: 'MUST', eras: ['streamable'], title: 'GET on the MCP endpoint opens an event stream or is answered 405', spec: `${LEGACY}/basic/transports#listening-for-messages-from-the-server` },
  { id: 'streamable.http.unsupported-version', level: 'MUST', eras: ['streamable'], title: 'an invalid MCP-Protocol-Version header is refused with 400', spec: `${LEGACY}/basic/transports#protocol-version-header` },
  { id: 'streamable.session.id-charset', level: 'MUST', eras: ['streamable'], title: 'a session id holds only visible ASCII (0x21–0x7E)', spec: `${LEGACY}/basic/transports#session-management` },
  { id: 'streamable.session.delete', level: 'MUST', eras: ['streamable'], title: 'DELETE ends the session (or is refused with 405); the ended session is then answered 404', spec: `${LEGACY}/basic/transports#session-management` },
  // Both HTTP eras.
  { id: 'http.origin.foreign-refused', level: 'MUST', eras: BOTH_HTTP, title: 'a request with a foreign Origin is refused with 403 (DNS-rebinding protection)', spec: `${MODERN}/basic/transports/streamable-http#security-%26-endpoint` },
  // Authorization, whatever the era (observed on the 401 an unauthenticated request gets).
  { id: 'auth.prm.well-formed', level: 'MUST', eras: ALL, title: 'after a 401, RFC 9728 protected-resource metadata names this resource and its authorization servers', spec: `${MODERN}/basic/authorization/authorization-server-discovery#authorization-server-location` },
  { id: 'auth.as.metadata', level: 'MUST', eras: ALL, title: "the authorization server's RFC 8414 metadata is reachable and consistent (issuer, endpoints)", spec: `${MODERN}/basic/authorization/authorization-server-discovery#authorization-server-metadata-discovery` },
  { id: 'auth.as.pkce-s256', level: 'MUST', eras: ALL, title: 'the authorization server advertises S256 in code_challenge_methods_supported', spec: `${MODERN}/basic/authorization/security-considerations#authorization-code-protection` },
  // Tools, when tools/list is offered and listing is allowed for the endpoint.
  { id: 'tools.names.valid', level: 'SHOULD', eras: ALL, title: 'tool names are 1–128 of A–Z a–z 0–9 _ - .', spec: `${MODERN}/server/tools#tool-names` },
  { id: 'tools.names.unique', level: 'SHOULD', eras: ALL, title: 'tool names are unique within the server', spec: `${MODERN}/server/tools#tool-names` },
  { id: 'tools.schema.valid', level: 'MUST', eras: ALL, title: 'every inputSchema/outputSchema is a valid JSON Schema (2020-12 by default, or draft-07)', spec: `${MODERN}/basic/index#schema-validation` },
  { id: 'tools.schema.no-network-ref', level: 'SHOULD', eras: ALL, title: 'no schema depends on a network $ref (clients must not fetch one; mcpwatch never does)', spec: `${MODERN}/basic/index#%24ref-resolution` },
] as const satisfies readonly CheckSpec[];

export type CheckId = (typeof CHECKS)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

const BY_ID: ReadonlyMap<string, CheckSpec> = new Map(CHECKS.map((c) => [c.id, c]));

export function checkSpec(id: string): CheckSpec | undefined {
  return BY_ID.get(id);
}

/** The family a check belongs to: the first segment of its id. */
export function groupOf(id: string): string {
  return id.slice(0, id.indexOf('.'));
}

/**
 * Auth checks watch the answer to a request without credentials, so they need no handshake (a
 * server that answers 401 has none to offer); every other check speaks the server's era.
 */
export function needsHandshake(id: string): boolean {
  return groupOf(id) !== 'auth';
}
