// Applies the configuration file's endpoints to the store and says what happened, one log line per
// event that an operator would want to find later: a conflict (an entry skipped because someone
// else owns its slug), an archive (history kept), a restore. Used at start-up and on every reload.
import type { Logger } from 'pino';
import { SOURCE_OWNER, type EndpointDefinition } from '../domain/endpoint.ts';
import type { ConfigSyncReport, Store } from '../store/store.ts';

export async function applyConfigEndpoints(store: Pick<Store, 'syncConfigEndpoints'>, definitions: readonly EndpointDefinition[], log: Logger): Promise<ConfigSyncReport> {
  const report = await store.syncConfigEndpoints(definitions);
  for (const { slug, holder } of report.conflicts) {
    log.warn(
      { slug, owner: holder.source, endpointId: holder.id },
      `endpoint "${slug}" in the configuration file is skipped: the slug belongs to endpoint ${holder.id}, owned by ${SOURCE_OWNER[holder.source]}; ` +
        `give the file's entry another slug (slug: …), or delete the other endpoint (mcpwatch endpoints purge ${slug})`,
    );
  }
  for (const slug of report.archived) {
    log.warn({ slug }, `endpoint "${slug}" is no longer in the configuration file: archived, not probed, history kept (list it again to restore it; mcpwatch endpoints purge ${slug} deletes it)`);
  }
  for (const slug of report.restored) log.info({ slug }, `endpoint "${slug}" is back in the configuration file: restored with its history`);
  if (report.added.length + report.updated.length > 0) log.info({ added: report.added, updated: report.updated }, 'configuration endpoints applied');
  return report;
}
