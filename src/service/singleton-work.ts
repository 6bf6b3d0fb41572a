// Work that runs on one node cluster-wide (alert derivation and delivery, retention): started
// when this node gains the singleton lease, stopped when it loses it (issue 14). With SQLite the
// process is always the singleton: the composition root calls acquire() once.
//
// Acquire and lose are serialised: a lease that flaps (lost, then regained a few seconds later)
// must never leave two copies of the work running, nor stop a copy that is still starting.
import type { Logger } from 'pino';

/** Something running that can be stopped; stop() resolves once it is. */
export interface Running {
  stop(): Promise<void> | void;
}

export class SingletonWork {
  #chain: Promise<unknown> = Promise.resolve();
  #running: Running[] = [];
  #leading = false;
  #since: number | null = null;

  constructor(
    private readonly start: () => Promise<readonly Running[]>,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  get leading(): boolean {
    return this.#leading;
  }

  /** When this node became the singleton (ms since the epoch), or null. */
  get since(): number | null {
    return this.#since;
  }

  acquire(): Promise<void> {
    return this.#then(async () => {
      if (this.#leading) return;
      this.#running = [...(await this.start())];
      this.#leading = true;
      this.#since = this.clock();
      this.log.info('this node leads: alerts and retention run here');
    });
  }

  lose(reason: string): Promise<void> {
    return this.#then(async () => {
      if (!this.#leading) return;
      this.#leading = false;
      this.#since = null;
      const running = this.#running;
      this.#running = [];
      // Stopped in reverse start order, each whatever the others do.
      for (const job of running.reverse()) await Promise.resolve(job.stop()).catch((err: unknown) => this.log.error({ err }, 'stopping singleton work failed'));
      // Losing the connection is news; stopping or handing over on purpose is not.
      this.log[reason === 'connection-lost' ? 'warn' : 'info']({ reason }, 'this node no longer leads: alerts and retention stopped here');
    });
  }

  #then(step: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(step);
    this.#chain = next.catch((err: unknown) => this.log.error({ err }, 'singleton work failed to change state'));
    return next;
  }
}
