/** Background jobs (retention, the expiry sweep): run now and every interval, never two runs at once. */

/** Start `job`; a failure goes to `onError` and the next run goes on. Returns the stop function. */
export function periodic(
  intervalMs: number,
  job: () => Promise<void>,
  onError: (e: unknown) => void,
): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await job();
    } catch (e) {
      onError(e);
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
