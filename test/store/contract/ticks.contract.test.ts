// The tick writer, history and retention cases (tick-cases.ts) on every backend.
import { definition } from '../helper.ts';
import { runContract } from './backends.ts';
import { T0, TICK_CASES } from './tick-cases.ts';

runContract(TICK_CASES, async (handle) => {
  const { store } = await handle.open({ clock: () => T0 });
  return {
    store,
    addEndpoint: async (slug: string) => (await store.createEndpoint(definition(slug))).id,
    deleteEndpoint: async (id: number) => {
      await store.deleteEndpoint(id);
    },
  };
});
