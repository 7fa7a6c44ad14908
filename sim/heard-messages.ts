// What a simulated instrument heard, for tests and the training log: the latest messages, not every
// one. A voltmeter hears about 130,000 messages in a simulated day; a training server that runs for
// weeks must not keep them all. The record is counted from the first message, so a test that marks
// where it began still gets exactly the messages since, after older ones were let go.

/** Messages kept at least; the oldest half goes, in one step, when twice as many have come. */
export const MESSAGES_KEPT = 10_000;

export class HeardMessages {
  private dropped = 0;
  private readonly kept: string[] = [];

  constructor(private readonly keep: number = MESSAGES_KEPT) {}

  add(message: string): void {
    this.kept.push(message);
    if (this.kept.length >= 2 * this.keep) {
      this.kept.splice(0, this.keep);
      this.dropped += this.keep;
    }
  }

  /** The messages kept, oldest first. */
  get list(): readonly string[] {
    return this.kept;
  }

  /** Every message heard so far, those let go included: a mark for since(). */
  get count(): number {
    return this.dropped + this.kept.length;
  }

  /** The messages heard since `mark` (a count() taken earlier), as far as they are still kept. */
  since(mark: number): string[] {
    return this.kept.slice(Math.max(0, mark - this.dropped));
  }
}
