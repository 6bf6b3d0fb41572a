// SSRF guard for channels created through the API (their config carries an addressPolicy): the
// addresses a delivery will dial are judged after resolution, never the name, and only the ones
// the policy admits are handed on. Run as the connect's own lookup, the judged address is the
// dialled one, so a name that answers public first and 127.0.0.1 at connect time gains nothing.
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkAddress, hostIsIpLiteral, type AddressPolicy } from '../../probe/address-policy.ts';

export type Vetted =
  | { readonly ok: true; readonly addresses: readonly [LookupAddress, ...LookupAddress[]] }
  | { readonly ok: false; readonly detail: string };

/** Every address of a host, in resolver order; injectable so tests never touch DNS. */
export type ResolveAll = (hostname: string, options: Pick<LookupOptions, 'family' | 'hints'>) => Promise<readonly LookupAddress[]>;

export const resolveAll: ResolveAll = (hostname, options) => dns.lookup(hostname, { family: options.family ?? 0, hints: options.hints ?? 0, all: true });

/**
 * The refusal, thrown from the guarded lookup. net and undici pass a lookup error through as it
 * is, so the delivery code recognises it by class and reports it as permanent.
 */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
}

/**
 * Admits a host only when the policy admits every address it resolves to, as the probe does: a
 * name answering both a public and a private address is how rebinding attacks begin. A refusal
 * gives every reason.
 */
export function vetAddresses(host: string, addresses: readonly LookupAddress[], policy: AddressPolicy): Vetted {
  const allowed: LookupAddress[] = [];
  const reasons: string[] = [];
  for (const { address } of addresses) {
    const decision = checkAddress(address, policy);
    if (decision.allowed) allowed.push({ address: decision.address, family: decision.family });
    else reasons.push(decision.reason);
  }
  const [first, ...rest] = allowed;
  if (first !== undefined && reasons.length === 0) return { ok: true, addresses: [first, ...rest] };
  return { ok: false, detail: `refusing to deliver to ${host}: ${reasons.length > 0 ? reasons.join('; ') : 'it resolves to no address'}` };
}

/** The verdict on a host that is an IP literal, which never goes through a lookup; undefined for a name. */
export function vetLiteral(hostname: string, policy: AddressPolicy): Vetted | undefined {
  const literal = hostIsIpLiteral(hostname);
  return literal === undefined ? undefined : vetAddresses(hostname, [{ address: literal, family: literal.includes(':') ? 6 : 4 }], policy);
}

/** Resolves and vets a host for a client that takes one address to dial (nodemailer). */
export async function resolveVetted(hostname: string, policy: AddressPolicy, resolve: ResolveAll = resolveAll): Promise<Vetted> {
  return vetLiteral(hostname, policy) ?? vetAddresses(hostname, await resolve(hostname, {}), policy);
}

/**
 * A lookup for net/tls.connect that only ever yields admitted addresses. Node asks with
 * `all: true` (and wants an array back) when autoSelectFamily is on, the default since Node 20,
 * and otherwise wants a single address and its family.
 */
export function guardedLookup(policy: AddressPolicy, resolve: ResolveAll = resolveAll): LookupFunction {
  // A copy: the lookup lives as long as its cached Agent, which must not follow later edits of the caller's object.
  const fixed: AddressPolicy = { allowPrivate: policy.allowPrivate };
  return (hostname, options, callback) => {
    // family and hints (ADDRCONFIG) as net.connect asked, so only the filtering differs from its default lookup.
    resolve(hostname, { family: options.family, hints: options.hints }).then(
      (found) => {
        const vetted = vetAddresses(hostname, found, fixed);
        if (!vetted.ok) callback(new AddressRefusedError(vetted.detail), []);
        else if (options.all === true) callback(null, [...vetted.addresses]);
        else callback(null, vetted.addresses[0].address, vetted.addresses[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };
}
