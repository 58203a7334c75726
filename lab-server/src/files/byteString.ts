/**
 * A whole file as a byte string (latin1: a character per octet) in one piece. fs's
 * readFile(path, 'latin1') decodes a file of more than 512 KiB a piece at a time and joins the
 * pieces: a rope, which V8 copies into one string the first time it is searched (fresh memory
 * and its page faults, on top of the decoding). Read here into one buffer and decoded once.
 */
import { open } from 'node:fs/promises';

/** The file's bytes up to the size it had when opened (as readFile reads them), as a flat byte string. */
export async function readByteString(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    // Not from Node's shared pool: it is let go as soon as it is decoded.
    const bytes = Buffer.allocUnsafeSlow(size);
    let length = 0;
    while (length < size) {
      const { bytesRead } = await handle.read(bytes, length, size - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return bytes.toString('latin1', 0, length);
  } finally {
    await handle.close();
  }
}
