/**
 * A full look at a folder's directories when a file its index names is not there: another
 * program renamed or removed it, and the directories' times did not say so (its rename fell in
 * the clock tick of one of ours, whose times we took as our own). Dovecot looks again itself
 * when a file is missing (maildir_file_do); so does the lab, but bounded: one look serves every
 * miss that came before it began, and looks are spaced by as long as the last one took, so a
 * program renaming without end costs at most half the time in looks, never one per message.
 */
export class ForcedLooks {
  /** When the last look done began and ended, and what it cost (performance.now(), ms). */
  private began = -Infinity;
  private ended = -Infinity;
  private cost = 0;
  private running: Promise<void> | undefined;

  /** `look`: the folder's directories read whole (their times not trusted), as one folder operation. */
  constructor(private readonly look: () => Promise<unknown>) {}

  /** Resolves once a full look that began after `missedAt` (when the file was found missing) is done. */
  async after(missedAt: number): Promise<void> {
    while (this.began <= missedAt) {
      if (this.running) {
        await this.running;
        continue;
      }
      const wait = this.ended + this.cost - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else await (this.running = this.run());
    }
  }

  private async run(): Promise<void> {
    const began = performance.now();
    try {
      await this.look();
    } finally {
      // Only a look done counts: a miss during one waits for it, then for the next.
      this.began = began;
      this.ended = performance.now();
      this.cost = this.ended - began;
      this.running = undefined;
    }
  }
}
