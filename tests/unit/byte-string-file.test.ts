/**
 * readByteString() (files/byteString.ts): a whole file as a byte string, as the field cache
 * reads its file after a restart. The same characters as readFile(path, 'latin1'), but in one
 * piece: readFile decodes a file of more than 512 KiB a piece at a time and hands back the
 * pieces joined as a rope, which V8 copies into one string the first time it is searched (in
 * the first FETCH after a restart). Whether a string is a rope is V8's to say (%DebugPrint).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readByteString } from '../../lab-server/src/files/byteString.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-bytestring-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `size` bytes running through all 256 values. */
function everyByte(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** V8's own word for what a string is made of, in a process of its own that may ask it. */
async function stringType(file: string): Promise<string> {
  // The % call is made at run time: tsx's parser does not know V8's native syntax.
  const script = `import { readByteString } from ${JSON.stringify(join(process.cwd(), 'lab-server/src/files/byteString.ts'))};
const text = await readByteString(${JSON.stringify(file)});
text.startsWith('x');
new Function('s', '%DebugPrint(s)')(text);`;
  // Into a file: V8 prints with C's stdio, which loses the end of what it writes to a pipe Node made non-blocking.
  const printed = await open(join(dir, 'printed'), 'w');
  try {
    const child = spawn(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', printed.fd, 'inherit'] });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  } finally {
    await printed.close();
  }
  // The string's characters come first, escaped; its map (the type) last.
  const out = (await readFile(join(dir, 'printed'), 'latin1')).slice(-4096);
  return /- type: (\w+)/.exec(out)?.[1] ?? `no type in: ${out.slice(-300)}`;
}

describe('readByteString', () => {
  it('reads every byte as one character, as readFile(path, "latin1") does, at any size', async () => {
    for (const size of [0, 1, 4096, 512 * 1024, 512 * 1024 + 1, 1_800_000]) {
      const file = join(dir, `bytes-${size}`);
      await writeFile(file, everyByte(size));
      const text = await readByteString(file);
      expect(text.length).toBe(size);
      expect(text === (await readFile(file, 'latin1'))).toBe(true);
    }
    await expect(readByteString(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hands a large file back in one piece, not as a rope of 512 KiB pieces', async () => {
    const file = join(dir, 'cache-sized');
    // About what 5,000 cached ENVELOPEs take.
    await writeFile(file, everyByte(1_800_000));
    expect(await stringType(file)).toMatch(/^(SEQ|EXTERNAL)_ONE_BYTE_STRING_TYPE$/);
  }, 60_000);
});
