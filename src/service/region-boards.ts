// The status pages' region board (src/domain/region-board.ts) on a PostgreSQL cluster: one
// fleet-wide read of every region's latest word (src/store/regions.ts RegionReader: seven columns
// per endpoint and region), at most once per `ttlMs`, shared by every page load meanwhile, so a
// burst of page loads costs one read and a page never scans the fleet itself. The board is then up
// to `ttlMs` older than the arbiter's latest pass; the public pages are cached 30 s anyway.
import type { Endpoint } from '../domain/endpoint.ts';
import { boardBase, endpointRegions, type BoardSettings, type EndpointRegions, type RegionBoard } from '../domain/region-board.ts';
import { ViewCache } from '../http/pages/view-cache.ts';
import type { RegionReader } from '../store/regions.ts';

export const REGION_BOARD_TTL_MS = 10_000;
/** Endpoints judged between two turns of the event loop. */
const CHUNK = 1000;

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function regionBoards(reader: RegionReader, endpoints: () => ReadonlyArray<Pick<Endpoint, 'id' | 'intervalS' | 'timeoutMs'>>, settings: BoardSettings, ttlMs = REGION_BOARD_TTL_MS): () => Promise<RegionBoard> {
  const cache = new ViewCache<RegionBoard>({ ttlMs, minBuildMs: 0, maxEntries: 1 });
  return () =>
    cache.get('board', async () => {
      const { now, words } = await reader.words();
      // In slices, so the loop the probes are timed on is never held long (ARCHITECTURE §4).
      // Measured at 10,000 endpoints × 3 regions on the loaded 2-core box: the read 75-100 ms of
      // CPU (mostly decoding 30,000 rows), the regions' health 13-48 ms, the verdicts 51-86 ms in
      // all and at most 26 ms per slice of 1,000; in one go the board held the loop 90-240 ms.
      const base = boardBase(words, endpoints(), settings, now);
      await yieldLoop();
      const out = new Map<number, EndpointRegions>();
      let n = 0;
      for (const endpointId of base.words.keys()) {
        out.set(endpointId, endpointRegions(base, endpointId)!);
        if (++n % CHUNK === 0) await yieldLoop();
      }
      return { now, regions: base.regions, freshRegions: base.freshRegions, endpoints: out };
    });
}
