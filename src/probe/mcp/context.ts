import type { Dispatcher } from 'undici';
import type { AuthFacts } from '../../domain/probe-result.ts';
import type { Deadline } from '../deadline.ts';
import type { Limits, ResponseLog } from '../http.ts';
import type { PhaseRecorder } from '../phases.ts';

/** Everything an era's handshake needs, built once per probe by run-probe. */
export interface McpContext {
  readonly dispatcher: Dispatcher;
  /** Opens a second connection to the same vetted address (the HTTP+SSE GET stream). */
  readonly streamDispatcher: () => Dispatcher;
  readonly url: URL;
  /** Operator-configured headers, Authorization included; sent on every request. */
  readonly headers: Readonly<Record<string, string>>;
  readonly hasCredentials: boolean;
  readonly limits: Limits;
  /** Requests that speak MCP hand their responses to it (sendRequest's `log`); follow-ups do not. */
  readonly responses: ResponseLog;
  readonly deadline: Deadline;
  readonly phases: PhaseRecorder;
  readonly tools: {
    readonly enabled: boolean;
    readonly maxPages: number;
    readonly maxBytes: number;
    /** A tool the operator asked to call (`check --call-tool`); null: tools are never called. */
    readonly call: string | null;
    /** Sees each tools/list page's result as received; only the compliance checks set it. */
    readonly onPage?: (result: Readonly<Record<string, unknown>>) => void;
  };
  /** Fetches RFC 9728 metadata after a 401; lives in run-probe because it may need the origin's pool. */
  readonly describeAuth: (challenge: string | undefined) => Promise<AuthFacts>;
}

export function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}
