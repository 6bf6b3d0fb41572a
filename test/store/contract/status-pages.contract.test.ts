// The StatusPageStore cases (status-page-cases.ts) on every backend.
import { runContract } from './backends.ts';
import { statusPageCases } from './status-page-cases.ts';
import { manualClock } from '../helper.ts';

runContract(statusPageCases, async (handle) => {
  const clock = manualClock(Date.parse('2026-12-01T10:00:00.000Z'));
  return { storage: await handle.open({ clock: clock.now }), reopen: () => handle.open({ clock: clock.now }), clock };
});
