// The EndpointStore cases (endpoint-cases.ts) on every backend; "another node" is a second
// Storage opened on the same database.
import { manualClock } from '../helper.ts';
import { runContract } from './backends.ts';
import { endpointCases, T0 } from './endpoint-cases.ts';

runContract(endpointCases, async (handle) => {
  const clock = manualClock(T0);
  const { store } = await handle.open({ clock: clock.now });
  return { store, clock, openAnother: async () => (await handle.open({ clock: clock.now })).store };
});
