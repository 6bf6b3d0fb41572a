// /healthz (alive) and /readyz (database and scheduler), as an orchestrator sees them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from './helper.ts';

interface Ready {
  status: string;
  database: boolean;
  scheduler: boolean;
  failed: string[];
}

describe('health', () => {
  test('/healthz is 200 {status: ok}', async () => {
    const t = await buildTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok' });
      assert.equal(res.headers['cache-control'], 'no-store');
    } finally {
      await t.close();
    }
  });

  test('/readyz is 200 over a writable database and a running scheduler', async () => {
    const t = await buildTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json<Ready>(), { status: 'ready', database: true, scheduler: true, failed: [] });
    } finally {
      await t.close();
    }
  });

  const cases: { database: boolean; scheduler: boolean; failed: string[] }[] = [
    { database: false, scheduler: true, failed: ['database'] },
    { database: true, scheduler: false, failed: ['scheduler'] },
    { database: false, scheduler: false, failed: ['database', 'scheduler'] },
  ];
  for (const c of cases) {
    test(`/readyz is 503 naming ${c.failed.join(' and ')}`, async () => {
      const t = await buildTestApp({ readiness: () => ({ database: c.database, scheduler: c.scheduler }) });
      try {
        const res = await t.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(res.statusCode, 503);
        assert.deepEqual(res.json<Ready>(), { status: 'not_ready', database: c.database, scheduler: c.scheduler, failed: c.failed });
        // Liveness does not depend on readiness.
        assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      } finally {
        await t.close();
      }
    });
  }

  test('/readyz follows the real database: 503 once the store is closed', async () => {
    const t = await buildTestApp();
    try {
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      t.store.close();
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json<Ready>().failed, ['database']);
    } finally {
      await t.close();
    }
  });

  test('neither is rate-limited', async () => {
    const t = await buildTestApp();
    try {
      for (let i = 0; i < 150; i++) {
        for (const url of ['/healthz', '/readyz']) {
          const res = await t.app.inject({ method: 'GET', url });
          assert.equal(res.statusCode, 200, `${url} #${i}`);
        }
      }
    } finally {
      await t.close();
    }
  });
});
