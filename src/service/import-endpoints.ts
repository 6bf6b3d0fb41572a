// `mcpwatch import` writes only what it owns: a slug already held by an endpoint from the
// configuration file or the API is refused, naming the owner, and the other entries still go in.
// Before this, an import "updated" a config endpoint into an imported one, and the next `serve`
// refused to start over the stolen slug.
import { SOURCE_OWNER, type Endpoint, type EndpointDefinition } from '../domain/endpoint.ts';
import type { Store } from '../store/store.ts';

export type ImportOutcome =
  | { readonly kind: 'added' | 'updated' | 'unchanged'; readonly endpoint: Endpoint }
  | { readonly kind: 'refused'; readonly slug: string; readonly holder: Endpoint; readonly reason: string };

type ImportStore = Pick<Store, 'getEndpointBySlug' | 'createEndpoint' | 'updateEndpoint'>;

export async function importEndpoints(
  store: ImportStore,
  definitions: readonly EndpointDefinition[],
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ImportOutcome[]> {
  const outcomes: ImportOutcome[] = [];
  for (const [index, definition] of definitions.entries()) {
    onProgress(index, definitions.length);
    outcomes.push(await importOne(store, definition));
  }
  return outcomes;
}

/** What importing would do to each entry, writing nothing (the web form shows it before importing). */
export type ImportPlan =
  | { readonly kind: 'add'; readonly definition: EndpointDefinition }
  | { readonly kind: 'update' | 'unchanged'; readonly definition: EndpointDefinition; readonly existing: Endpoint }
  | { readonly kind: 'refused'; readonly definition: EndpointDefinition; readonly holder: Endpoint; readonly reason: string };

export async function planImport(store: Pick<Store, 'getEndpointBySlug'>, definitions: readonly EndpointDefinition[]): Promise<ImportPlan[]> {
  const plans: ImportPlan[] = [];
  for (const definition of definitions) plans.push(planOne(definition, await store.getEndpointBySlug(definition.slug)));
  return plans;
}

/** The one rule of what an import may do with a slug, for the plan and the import alike. */
function planOne(definition: EndpointDefinition, existing: Endpoint | undefined): ImportPlan {
  if (!existing) return { kind: 'add', definition };
  if (existing.source !== 'import') return { kind: 'refused', definition, holder: existing, reason: refusal(existing) };
  return { kind: sameAs(existing, definition) ? 'unchanged' : 'update', definition, existing };
}

async function importOne(store: ImportStore, definition: EndpointDefinition): Promise<ImportOutcome> {
  const plan = planOne(definition, await store.getEndpointBySlug(definition.slug));
  switch (plan.kind) {
    case 'add':
      return { kind: 'added', endpoint: await store.createEndpoint(definition) };
    case 'refused':
      return { kind: 'refused', slug: definition.slug, holder: plan.holder, reason: plan.reason };
    case 'unchanged':
      return { kind: 'unchanged', endpoint: plan.existing };
    case 'update':
      return { kind: 'updated', endpoint: await store.updateEndpoint(plan.existing.id, definition) };
  }
}

function refusal(holder: Endpoint): string {
  const owner = SOURCE_OWNER[holder.source];
  const archived = holder.archivedAt !== null ? ' (archived: no longer listed there, history kept)' : '';
  const fix =
    holder.source === 'config'
      ? holder.archivedAt !== null
        ? `delete it first with: mcpwatch endpoints purge ${holder.slug}`
        : 'give the entry in the configuration file another slug (slug: …), or leave this remote out'
      : `delete it through the API first, or with: mcpwatch endpoints purge ${holder.slug}`;
  return `slug "${holder.slug}" belongs to endpoint ${holder.id}, owned by ${owner}${archived}; import does not change it: ${fix}`;
}

function sameAs(endpoint: Endpoint, definition: EndpointDefinition): boolean {
  const { id: _id, createdAt: _c, updatedAt: _u, archivedAt: _a, ...stored } = endpoint;
  return JSON.stringify(normalize(stored)) === JSON.stringify(normalize(definition));
}

/** Key order out of the picture: the stored endpoint and the parsed file list fields differently. */
function normalize(definition: EndpointDefinition): unknown {
  return Object.fromEntries(Object.entries(definition).sort(([a], [b]) => a.localeCompare(b)));
}

/** What the command prints: one line per entry; refusals on stderr; exit 1 when anything was refused. */
export function describeImport(outcomes: readonly ImportOutcome[]): { readonly stdout: string; readonly stderr: string; readonly exitCode: number } {
  let stdout = '';
  let stderr = '';
  for (const outcome of outcomes) {
    if (outcome.kind === 'refused') {
      stderr += `mcpwatch: refused ${outcome.slug}: ${outcome.reason}\n`;
      continue;
    }
    const { endpoint } = outcome;
    const state = endpoint.paused ? `paused: ${endpoint.pausedReason ?? 'paused'}` : 'active';
    stdout += `${outcome.kind} ${endpoint.slug} ${endpoint.url} (${state})\n`;
  }
  return { stdout, stderr, exitCode: outcomes.some((o) => o.kind === 'refused') ? 1 : 0 };
}
