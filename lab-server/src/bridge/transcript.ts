/**
 * Session transcripts: every line a learner's terminal sent (C:) and received (S:), with
 * timestamps, stored with the sandbox so protocol exercises are graded from what really
 * happened. One JSON Lines file per terminal session:
 *   <sandbox dir>/transcripts/<session id>.jsonl
 * The first line describes the session, each further line is one protocol line.
 *
 * Bounded, like everything a learner can make the lab write: a session records at most
 * SESSION_BYTES (then says so, in the transcript and on the terminal, and goes on unrecorded),
 * the sandbox keeps at most its transcript budget (the oldest sessions go first, as a log
 * rotates), and nothing is recorded while the sandbox is over its disk quota.
 */
import { join } from 'node:path';
import { AppendLog } from '../files/appendLog.js';
import type { Text } from '../grading/feedback.js';
import { megabytes } from '../quota/words.js';
import type { Sandbox } from '../world/sandbox.js';
import { pruneTranscripts, transcriptsDir } from '../world/transcriptFiles.js';
import { SESSION_BYTES, type TranscriptHeader, type TranscriptLine } from '../world/transcriptRecord.js';

/** What a sandbox keeps of transcripts in all: a quarter of its quota, at most 16 MB. */
export function transcriptBudget(sandbox: Sandbox): number {
  return Math.max(2 * SESSION_BYTES, Math.min(16 * 1024 * 1024, Math.floor(sandbox.usage.limits.bytes / 4)));
}

/**
 * Appends to one session's transcript. Lines typed in the same moment are written together
 * (a busy classroom writes many lines a second) and the file is closed while the learner
 * pauses, so hundreds of idle terminals hold no descriptors.
 */
export class TranscriptWriter {
  private readonly log: AppendLog;
  private closed = false;
  private bytes = 0;
  private stopped = false;

  constructor(
    private readonly sandbox: Sandbox,
    header: TranscriptHeader,
    /** Told once, when recording stops (cap or quota), with the words for the learner. */
    private readonly onStopped: (why: Text) => void = () => undefined,
  ) {
    this.log = new AppendLog(join(transcriptsDir(sandbox), `${header.session}.jsonl`), Infinity);
    // Room for this session: the oldest transcripts go when the sandbox has too many.
    void pruneTranscripts(sandbox, transcriptBudget(sandbox) - SESSION_BYTES, header.session).catch(() => undefined);
    void sandbox.usage.usage().catch(() => undefined);
    this.write(header);
  }

  add(dir: TranscriptLine['dir'], text: string, tls: boolean): void {
    if (this.closed || this.stopped) return;
    const line: TranscriptLine = { t: new Date().toISOString(), dir, text };
    if (tls) line.tls = true;
    const usage = this.sandbox.usage.known();
    if (usage && usage.bytes >= usage.limits.bytes) {
      return this.stop({
        en: `This terminal is no longer recorded: your lab world is full (${megabytes(usage.bytes)} of ${megabytes(usage.limits.bytes)}), and graders read only recorded sessions. Delete some mail, then open a new terminal.`,
        'zh-CN': `这个终端不再被记录：你的实验环境已满（已用 ${megabytes(usage.bytes)}，上限 ${megabytes(usage.limits.bytes)}），而评分只看被记录的会话。请删除一些邮件，然后打开一个新终端。`,
      });
    }
    if (this.bytes + Buffer.byteLength(line.text) > SESSION_BYTES) {
      return this.stop({
        en: `This terminal has recorded ${megabytes(SESSION_BYTES)}, the most one session keeps; it goes on working, but what follows is not recorded and graders will not see it. Open a new terminal for work you want graded.`,
        'zh-CN': `这个终端已记录 ${megabytes(SESSION_BYTES)}，这是一个会话最多保存的量；终端仍可继续使用，但之后的内容不再记录，评分时也看不到。需要评分的操作请在新终端中进行。`,
      });
    }
    this.write(line);
  }

  /** Writes what is pending and closes the file; resolves when it is on disk. */
  close(): Promise<void> {
    this.closed = true;
    return this.log.close();
  }

  private stop(why: Text): void {
    this.write({ t: new Date().toISOString(), dir: 'I', text: `transcript stopped: ${why.en}` });
    this.stopped = true;
    this.onStopped(why);
  }

  private write(entry: TranscriptHeader | TranscriptLine): void {
    const json = JSON.stringify(entry);
    this.bytes += json.length + 1;
    this.sandbox.usage.add(json.length + 1);
    // A transcript that cannot be written must not break the learner's session.
    this.log.append(json).catch(() => undefined);
  }
}
