/**
 * `mailq` (postqueue -p): the queue as Postfix prints it — id (with * while an attempt is
 * running), size, arrival time, sender, then the reason of the last failure and each
 * recipient still waiting.
 */
import type { QueueEntry } from './queue.js';

function arrival(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

export function formatMailq(entries: ReadonlyArray<QueueEntry & { active?: boolean }>): string {
  if (entries.length === 0) return 'Mail queue is empty\n';
  const lines = ['-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------'];
  let bytes = 0;
  for (const e of entries) {
    bytes += e.size;
    const id = `${e.id}${e.active ? '*' : ' '}`;
    lines.push(`${id.padEnd(11)} ${String(e.size).padStart(8)} ${arrival(e.arrival)}  ${e.sender || 'MAILER-DAEMON'}`);
    const pending = e.recipients.filter((r) => r.status === 'pending');
    const reasons = new Map<string, string[]>();
    for (const r of pending) reasons.set(r.reason ?? '', [...(reasons.get(r.reason ?? '') ?? []), r.address]);
    for (const [reason, addresses] of reasons) {
      if (reason) lines.push(`(${reason})`);
      for (const a of addresses) lines.push(`${' '.repeat(41)}${a}`);
    }
    lines.push('');
  }
  lines.push(`-- ${Math.ceil(bytes / 1024)} Kbytes in ${entries.length} Request${entries.length === 1 ? '' : 's'}.`);
  return lines.join('\n') + '\n';
}
