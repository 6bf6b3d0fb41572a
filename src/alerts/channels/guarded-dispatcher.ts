// The undici dispatcher for a delivery under an address policy. Its sockets get the guarded
// lookup, so the address vetted is the address connected to. One Agent per policy value, not per
// request: the Agent holds the keep-alive pool, and a new one each time would leak sockets.
import { Agent, type Dispatcher } from 'undici';
import type { AddressPolicy } from '../../probe/address-policy.ts';
import { guardedLookup, vetLiteral } from './address-guard.ts';

const agents = new Map<boolean, Agent>();

function agentFor(policy: AddressPolicy): Agent {
  let agent = agents.get(policy.allowPrivate);
  if (agent === undefined) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy) } });
    agents.set(policy.allowPrivate, agent);
  }
  return agent;
}

/**
 * The dispatcher to send to this host with, or why not. An IP-literal host is judged here, before
 * any request, because net.connect dials an address without calling the lookup.
 */
export function guardedDispatcher(hostname: string, policy: AddressPolicy): { readonly ok: true; readonly dispatcher: Dispatcher } | { readonly ok: false; readonly detail: string } {
  const literal = vetLiteral(hostname, policy);
  if (literal !== undefined && !literal.ok) return literal;
  return { ok: true, dispatcher: agentFor(policy) };
}
