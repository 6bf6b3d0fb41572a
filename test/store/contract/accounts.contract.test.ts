// The AccountStore cases (account-cases.ts) on every backend.
import { manualClock } from '../helper.ts';
import { accountCases, T0 } from './account-cases.ts';
import { runContract } from './backends.ts';

runContract(accountCases, async (handle) => {
  const clock = manualClock(T0);
  const storage = await handle.open({ clock: clock.now });
  return { accounts: storage.accounts, tokens: storage.store, clock };
});
