// The TokenStore cases (token-cases.ts) on every backend.
import { manualClock } from '../helper.ts';
import { runContract } from './backends.ts';
import { T0, tokenCases } from './token-cases.ts';

runContract(tokenCases, async (handle) => {
  const clock = manualClock(T0);
  return { store: (await handle.open({ clock: clock.now })).store, clock };
});
