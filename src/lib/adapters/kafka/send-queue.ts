/**
 * Runs sends one at a time, in call order: an idempotent producer numbers each partition's records, so sends
 * must not overtake each other. A failed send does not stop the ones queued after it.
 */
export class SendQueue {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly asError: (err: unknown) => Error) {}

  async run(send: () => Promise<unknown>): Promise<void> {
    const work = this.last.then(send);
    this.last = work.catch(() => undefined);
    try {
      await work;
    } catch (err) {
      throw this.asError(err);
    }
  }
}
