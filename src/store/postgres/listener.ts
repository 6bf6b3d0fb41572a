// Callbacks of the cluster modules run inside timers and socket events. A listener's bug must not
// stop a heartbeat or a lease check (which is what keeps a node in the cluster) nor crash the
// process from a timer: it becomes a process warning, and a returned promise is awaited the same way.

/** Calls `listener` and resolves when it has finished; never rejects. */
export async function callListener(source: string, listener: () => void | Promise<void>): Promise<void> {
  try {
    await listener();
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : new Error(String(error)), source);
  }
}
