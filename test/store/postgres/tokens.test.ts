// PgTokens on a real PostgreSQL: the backend-neutral cases (token-cases.ts, for the contract suite).
import { test } from 'node:test';
import { PgTokens } from '../../../src/store/postgres/tokens.ts';
import { manualClock } from '../helper.ts';
import { migratedDatabase } from './harness.ts';
import { T0, tokenCases } from './token-cases.ts';

for (const [name, run] of Object.entries(tokenCases)) {
  test(`PgTokens: ${name}`, async (t) => {
    const m = await migratedDatabase(t);
    if (!m) return;
    const clock = manualClock(T0);
    await run({ store: new PgTokens(m.pool, { clock: clock.now }), clock });
  });
}
