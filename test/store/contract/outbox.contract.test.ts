// The AlertOutbox cases (outbox-cases.ts) on every backend.
import { definition, manualClock } from '../helper.ts';
import { runContract } from './backends.ts';
import { OUTBOX_CASES, T0 } from './outbox-cases.ts';

runContract(OUTBOX_CASES, async (handle) => {
  const clock = manualClock(T0);
  const { store, outbox } = await handle.open({ clock: clock.now });
  return {
    outbox,
    setNow: clock.set,
    addEndpoint: async (slug: string) => (await store.createEndpoint(definition(slug))).id,
    deleteEndpoint: async (id: number) => {
      await store.deleteEndpoint(id);
    },
  };
});
