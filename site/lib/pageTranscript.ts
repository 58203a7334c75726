/**
 * What a browser terminal keeps of its session for the Transcript panel (view, copy, download,
 * diagram). The lab keeps the record it grades (bridge/transcript.ts); the page keeps the latest
 * lines only, so a session left running (a mailbox RETRed again and again, a flood of server
 * lines) grows neither the tab's memory nor the panel's text, which is built again per line.
 */
export interface TranscriptEntry {
  t: string;
  dir: 'C' | 'S' | 'I';
  text: string;
}

/** Lines and characters a page keeps (a line is at most 1 MB, as the bridge keeps it). */
export const PAGE_TRANSCRIPT = { entries: 2000, chars: 2_000_000 };

export class PageTranscript {
  /** Characters of the kept lines, the note about dropped ones aside. */
  private chars = 0;
  private dropped = 0;

  constructor(
    /** The note that takes the dropped lines' place, e.g. "(120 earlier lines not kept here)". */
    private readonly note: (dropped: number) => string,
    private readonly limits = PAGE_TRANSCRIPT,
  ) {}

  /**
   * Appends `entry` to `entries` (the component's reactive list). Past either bound the oldest
   * lines go, a tenth at once so a long session does not move the whole list per line; the
   * newest line always stays.
   */
  add(entries: TranscriptEntry[], entry: TranscriptEntry): void {
    entries.push(entry);
    this.chars += entry.text.length;
    if (entries.length <= this.limits.entries && this.chars <= this.limits.chars) return;
    const first = this.dropped > 0 ? 1 : 0;
    let end = first;
    const over = (): boolean => entries.length - (end - first) > this.limits.entries * 0.9 || this.chars > this.limits.chars * 0.9;
    while (end < entries.length - 1 && over()) this.chars -= entries[end++]!.text.length;
    this.dropped += end - first;
    entries.splice(0, end, { t: entries[end]!.t, dir: 'I', text: this.note(this.dropped) });
  }
}
