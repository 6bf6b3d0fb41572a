// A client-side deadline for one database round trip. statement_timeout only helps when the
// server is there to enforce it; a black-holed network or a stalled server needs the wait cut
// on our side too, or a heartbeat could hang for as long as the kernel keeps a dead TCP socket.

export class DeadlineError extends Error {
  readonly code = 'DEADLINE_EXCEEDED';
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** Settles like `work`, or rejects with DeadlineError after `ms` (the work itself is not cancelled). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    // A late rejection of the abandoned work must not become an unhandled rejection.
    work.catch(() => undefined);
  }
}
