// Whether a write can commit right now (for /readyz): a standby, a read-only database, a lock
// held too long, an exhausted pool or an unreachable server all answer false, within a deadline
// short enough for a readiness probe.
import { checkout, type Checkout, type Pool } from './pool.ts';

export interface WritableOptions {
  /** The whole check, connection included; default 2 s. */
  readonly timeoutMs?: number;
}

export async function postgresWritable(pool: Pool, options: WritableOptions = {}): Promise<boolean> {
  const timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? 2000));
  let held: Checkout | undefined;
  let settled = false;
  // With an error the pool destroys the connection instead of reusing it.
  const release = (error?: Error): void => held?.release(error);
  const attempt = async (): Promise<boolean> => {
    try {
      held = await checkout(pool);
      const { client } = held;
      if (settled) {
        release();
        return false;
      }
      await client.query('BEGIN');
      try {
        // Server-side deadlines too, so the connection comes back free even after we gave up.
        await client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
        await client.query(`SET LOCAL lock_timeout = ${timeoutMs}`);
        // Fails on a standby and under default_transaction_read_only; a row lock proves the write path.
        await client.query("UPDATE store_meta SET value = value WHERE key = 'writable_check'");
      } finally {
        await client.query('ROLLBACK');
      }
      release();
      return true;
    } catch (error) {
      release(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      // A client stuck on a silent server is destroyed, not left holding a pool slot.
      release(new Error(`writable check exceeded ${timeoutMs} ms`));
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([attempt(), deadline]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}
