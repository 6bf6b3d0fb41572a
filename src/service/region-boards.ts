// The status pages' region board (src/domain/region-board.ts) on a PostgreSQL cluster: one
// fleet-wide read of every region's latest word (src/store/regions.ts RegionReader: seven columns
// per endpoint and region), at most once per `ttlMs`, shared by every page load meanwhile, so a
// burst of page loads costs one read and a page never scans the fleet itself. The board is then up
// to `ttlMs` older than the arbiter's latest pass; the public pages are cached 30 s anyway.
import type { Endpoint } from '../domain/endpoint.ts';
import { regionBoard, type BoardSettings, type RegionBoard } from '../domain/region-board.ts';
import { ViewCache } from '../http/pages/view-cache.ts';
import type { RegionReader } from '../store/regions.ts';

export const REGION_BOARD_TTL_MS = 10_000;

export function regionBoards(reader: RegionReader, endpoints: () => readonly Endpoint[], settings: BoardSettings, ttlMs = REGION_BOARD_TTL_MS): () => Promise<RegionBoard> {
  const cache = new ViewCache<RegionBoard>({ ttlMs, minBuildMs: 0, maxEntries: 1 });
  return () =>
    cache.get('board', async () => {
      const { now, words } = await reader.words();
      return regionBoard(words, endpoints(), settings, now);
    });
}
