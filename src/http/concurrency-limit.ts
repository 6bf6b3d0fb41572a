// A counting semaphore with a bounded line: at most `limit` holders, at most `queueLimit` waiting
// (first come, first served), each waiter until its signal aborts. A full line answers at once, so a
// burst of scrapes costs a quick 503 instead of piling up sockets and timers.

export type Admission = { readonly ok: true; readonly release: () => void } | { readonly ok: false; readonly reason: 'line_full' | 'aborted' };

interface Waiter {
  readonly admit: () => void;
}

export class ConcurrencyLimit {
  readonly #limit: number;
  readonly #queueLimit: number;
  readonly #line: Waiter[] = [];
  #active = 0;

  constructor(limit: number, queueLimit: number) {
    this.#limit = limit;
    this.#queueLimit = queueLimit;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#line.length;
  }

  acquire(signal: AbortSignal): Promise<Admission> {
    if (signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted' });
    if (this.#active < this.#limit) return Promise.resolve(this.#admit());
    if (this.#line.length >= this.#queueLimit) return Promise.resolve({ ok: false, reason: 'line_full' });
    return new Promise((resolve) => {
      const waiter: Waiter = {
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#admit());
        },
      };
      const onAbort = (): void => {
        const at = this.#line.indexOf(waiter);
        if (at >= 0) this.#line.splice(at, 1);
        resolve({ ok: false, reason: 'aborted' });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#line.push(waiter);
    });
  }

  #admit(): Admission {
    this.#active += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#active -= 1;
        this.#line.shift()?.admit();
      },
    };
  }
}
