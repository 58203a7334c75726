/**
 * The IMAP response writer over a real socket: whatever mix of replies a session sends (a lone
 * tagged line, one message's literal, a FETCH of many lines past the 64 KiB write threshold,
 * big and small parts, strings gathered before they are copied, untagged lines as strings and
 * bytes), the client receives exactly those bytes in order, however the writer sizes and reuses
 * its chunks between replies.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ok, ResponseWriter } from '../../lab-server/src/imap/response.js';
import { LineChannel } from '../../lab-server/src/net/lineChannel.js';

let server: Server | undefined;
let client: Socket | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  client?.destroy();
  server?.close();
});

async function pair(): Promise<{ out: ResponseWriter; received: () => Promise<string>; expect: (bytes: string) => void; wanted: () => string }> {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [socket] = (await accepted) as [Socket];
  const out = new ResponseWriter(new LineChannel(socket, 65536));
  let got = '';
  let wanted = '';
  client.setEncoding('latin1');
  client.on('data', (d: string) => (got += d));
  return {
    out,
    expect: (bytes) => (wanted += bytes),
    wanted: () => wanted,
    async received() {
      for (let i = 0; i < 500 && got.length < wanted.length; i++) await new Promise((r) => setTimeout(r, 10));
      return got;
    },
  };
}

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => 0x20 + ((i * 7 + seed) % 95)));

describe('ResponseWriter', () => {
  it('sends replies of every size exactly as queued, one after another', async () => {
    const { out, received, expect: want, wanted } = await pair();
    // A lone tagged reply.
    await out.tagged('a1', ok('NOOP completed'));
    want('a1 OK NOOP completed\r\n');
    // One message's literal (bigger than the last reply's chunk), then small again.
    for (const size of [3000, 20, 40_000, 1500, 0]) {
      const body = bytes(size, size);
      const writing = out.untaggedParts(['7 FETCH (', 'UID 9', ' ', `BODY[] {${size}}\r\n`, body, ')']);
      if (writing) await writing;
      await out.untagged('3 EXISTS');
      await out.untagged(Buffer.from('FLAGS (\\Seen)'));
      await out.tagged(`b${size}`, ok('FETCH completed', 'X'));
      want(`* 7 FETCH (UID 9 BODY[] {${size}}\r\n${body.toString('latin1')})\r\n* 3 EXISTS\r\n* FLAGS (\\Seen)\r\nb${size} OK [X] FETCH completed\r\n`);
    }
    // A FETCH of many lines, past the write threshold several times.
    let many = '';
    for (let seq = 1; seq <= 3000; seq++) {
      const envelope = bytes(40 + (seq % 50), seq);
      const writing = out.untaggedParts([`${seq} FETCH (`, `UID ${seq}`, ' ', 'ENVELOPE ', envelope, ')']);
      if (writing) await writing;
      many += `* ${seq} FETCH (UID ${seq} ENVELOPE ${envelope.toString('latin1')})\r\n`;
    }
    await out.tagged('c1', ok('done'));
    want(`${many}c1 OK done\r\n`);
    // The same with ENVELOPEs as byte strings (gathered and copied together), a few as bytes,
    // one string longer than a chunk, and an untagged line between.
    many = '';
    for (let seq = 1; seq <= 3000; seq++) {
      const envelope = seq % 97 === 0 ? bytes(30, seq) : seq === 1500 ? bytes(70_000, seq).toString('latin1') : bytes(40 + (seq % 50), seq).toString('latin1');
      const writing = out.untaggedParts([`${seq} FETCH (`, `UID ${seq}`, ' ', 'ENVELOPE ', envelope, ')']);
      if (writing) await writing;
      many += `* ${seq} FETCH (UID ${seq} ENVELOPE ${typeof envelope === 'string' ? envelope : envelope.toString('latin1')})\r\n`;
      if (seq === 2000) {
        await out.untagged(Buffer.from('2000 EXPUNGE'));
        many += '* 2000 EXPUNGE\r\n';
      }
    }
    await out.tagged('c2', ok('done'));
    want(`${many}c2 OK done\r\n`);
    await out.status('OK', 'still here');
    want('* OK still here\r\n');
    const got = await received();
    expect(got.length).toBe(wanted().length);
    expect(got === wanted()).toBe(true);
  });

  it('writes a FETCH of thousands of ENVELOPEs in whole blocks, each filled again once the socket has let go of it', async () => {
    const { out, received, expect: want, wanted } = await pair();
    // Fresh memory costs a page fault per 4 KiB at first touch: a block, and a join of two, per 64 KiB was most of the writer's cost.
    const blocks = [vi.spyOn(Buffer, 'allocUnsafe'), vi.spyOn(Buffer, 'allocUnsafeSlow')];
    const joins = vi.spyOn(Buffer, 'concat');
    let many = '';
    for (let seq = 1; seq <= 5000; seq++) {
      const envelope = bytes(300 + (seq % 100), seq).toString('latin1');
      const writing = out.untaggedParts([`${seq} FETCH (`, `UID ${seq}`, ' ', 'ENVELOPE ', envelope, ')']);
      if (writing) {
        await writing;
        // The client, in this process, reads what was written (as a client of the lab does meanwhile).
        await new Promise((resolve) => setImmediate(resolve));
      }
      many += `* ${seq} FETCH (UID ${seq} ENVELOPE ${envelope})\r\n`;
    }
    await out.tagged('f1', ok('FETCH completed'));
    want(`${many}f1 OK FETCH completed\r\n`);
    const got = await received();
    expect(got === wanted()).toBe(true);
    const made = blocks.flatMap((spy) => spy.mock.calls).filter(([size]) => size >= 32 * 1024).length;
    // 2 MB: 32 blocks of 64 KiB and 32 joins before. Now the reply's small first chunk joins its first block once.
    expect(joins.mock.calls.length).toBeLessThanOrEqual(1);
    expect(made).toBeLessThanOrEqual(4);
  });
});
