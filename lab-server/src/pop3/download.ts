/**
 * RETR and TOP replies: the message from its Maildir file to the wire. A small message (nearly
 * all of them) is read, converted and written in one synchronous step with one write: a client
 * downloading thousands of messages pays no promise, stat or extra copy per message. A big one
 * (or one renamed meanwhile) is streamed piece by piece, waiting for the client between pieces,
 * so it is never all in memory and never holds the event loop.
 */
import type { MaildirFolder } from '../maildir/folder.js';
import type { LineChannel } from '../net/lineChannel.js';
import { MultilineStream, multilineReply, TopCut, topOfMessage } from './format.js';

/** Bytes read from a big message's file at a time. */
const PIECE = 64 * 1024;

/**
 * Sends the reply for message `uid`: `status`, the message (only its header and `topLines` body
 * lines for TOP), dot-stuffed and terminated. Returns false, having sent nothing, if the message
 * has been expunged; a promise when the rest is sent later (a big message, a slow client).
 */
export function sendMessage(
  channel: LineChannel,
  folder: MaildirFolder,
  uid: number,
  status: string,
  topLines?: number,
): boolean | Promise<boolean> {
  // A RETR reads with one function made once (a function made per message would cost every RETR).
  const text = topLines === undefined ? folder.readNow(uid, asText) : folder.readNow(uid, (stored) => asText(topOfMessage(stored, topLines)));
  if (text === undefined) return streamMessage(channel, folder, uid, status, topLines);
  const pending = channel.send(multilineReply(status, text), 'latin1');
  return pending ? pending.then(() => true) : true;
}

/** A message's bytes as a byte string (one character per octet): the lent bytes are copied out. */
function asText(stored: Buffer): string {
  return stored.toString('latin1');
}

async function streamMessage(channel: LineChannel, folder: MaildirFolder, uid: number, status: string, topLines?: number): Promise<boolean> {
  const file = await folder.open(uid);
  if (!file) return false;
  try {
    const cut = topLines === undefined ? undefined : new TopCut(topLines);
    const body = new MultilineStream();
    const piece = Buffer.allocUnsafe(PIECE);
    await channel.send(status);
    for (let at = 0; !channel.closed; ) {
      const { bytesRead } = await file.read(piece, 0, PIECE, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      const keep = cut ? cut.keep(piece.subarray(0, bytesRead)) : bytesRead;
      await channel.send(body.chunk(piece.subarray(0, keep)), 'latin1');
      if (keep < bytesRead) break;
    }
    await channel.send(body.end());
    return true;
  } finally {
    await file.close();
  }
}
