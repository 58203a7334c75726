/**
 * What the MTA's SMTP client puts on the wire after DATA: CRLF line ends even where the queued
 * message has bare LFs (a learner's raw DATA may), dot-stuffing, and a SIZE that counts the
 * bytes actually sent. The peer is a plain socket that records every byte it is sent.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayMessage } from '../../lab-server/src/mta/smtpClient.js';

/** A minimal SMTP peer: 250 to everything, 354 to DATA; keeps the raw bytes of each session. */
function recordingPeer(): { server: Server; sessions: Buffer[] } {
  const sessions: Buffer[] = [];
  const server = createServer((socket: Socket) => {
    const chunks: Buffer[] = [];
    let inData = false;
    socket.write('220 peer ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      if (inData) {
        if (text.endsWith('\r\n.\r\n')) {
          inData = false;
          socket.write('250 2.0.0 queued\r\n');
        }
        return;
      }
      const line = text.split('\r\n').at(-2) ?? '';
      if (/^EHLO/i.test(line)) socket.write('250-peer\r\n250 SIZE 1000000\r\n');
      else if (/^DATA/i.test(line)) {
        inData = true;
        socket.write('354 go ahead\r\n');
      } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
      else socket.write('250 ok\r\n');
    });
    socket.on('close', () => sessions.push(Buffer.concat(chunks)));
  });
  return { server, sessions };
}

describe('the MTA\'s SMTP client on the wire', () => {
  const peer = recordingPeer();
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
    port = (peer.server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => peer.server.close(() => resolve())));

  it('sends bare LF lines as CRLF, dot-stuffed, with SIZE counting the sent bytes', async () => {
    const message = Buffer.from('Subject: lines\nFrom: a@example.com\r\n\nfirst\n.hidden dot\nlast line without end');
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    const outcome = await relayMessage({ socket, serverName: 'peer', helo: 'lab.example', sender: 'a@example.com', recipients: ['b@example.net'], message, timeoutMs: 5000 });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.recipients.get('b@example.net')?.code).toBe(250);
    await new Promise((r) => setTimeout(r, 100));
    const wire = peer.sessions.at(-1)!.toString('latin1');
    const body = wire.slice(wire.indexOf('DATA\r\n') + 6, wire.lastIndexOf('QUIT\r\n'));
    expect(body).toBe('Subject: lines\r\nFrom: a@example.com\r\n\r\nfirst\r\n..hidden dot\r\nlast line without end\r\n.\r\n');
    // Every LF sent in the whole session ends a CRLF.
    expect(/(^|[^\r])\n/.test(wire)).toBe(false);
    const sent = 'Subject: lines\r\nFrom: a@example.com\r\n\r\nfirst\r\n.hidden dot\r\nlast line without end'.length;
    expect(wire).toContain(`MAIL FROM:<a@example.com> SIZE=${sent}\r\n`);
  });
});

describe('the MTA\'s SMTP client and a peer that stalls in the TLS handshake', () => {
  it('gives up the handshake after its timeout, says so, and closes the connection', async () => {
    // Says 220 to STARTTLS, then reads the ClientHello and never answers it.
    let closed = false;
    let peerClosed: () => void = () => undefined;
    const peerClosing = new Promise<void>((resolve) => (peerClosed = resolve));
    const open = new Set<Socket>();
    const server = createServer((socket: Socket) => {
      open.add(socket);
      socket.write('220 peer ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        if (/^EHLO/i.test(text)) socket.write('250-peer\r\n250 STARTTLS\r\n');
        else if (/^STARTTLS/i.test(text)) socket.write('220 2.0.0 Ready to start TLS\r\n');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        closed = true;
        peerClosed();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = connect({ port: (server.address() as { port: number }).port, host: '127.0.0.1' });
      await new Promise((r) => socket.once('connect', r));
      const started = performance.now();
      const outcome = await Promise.race([
        relayMessage({ socket, serverName: 'peer', helo: 'lab.example', sender: 'a@example.com', recipients: ['b@example.net'], message: Buffer.from('Subject: x\r\n\r\nhi\r\n'), timeoutMs: 1000 }),
        new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 15_000)),
      ]);
      expect(outcome).not.toBe('stalled');
      if (outcome === 'stalled') return;
      expect(performance.now() - started).toBeGreaterThanOrEqual(900);
      expect(outcome.failure).toEqual({ stage: 'starttls', error: 'TLS handshake timeout after 1 s' });
      expect(outcome.tls).toBe(false);
      expect(socket.destroyed).toBe(true);
      // The peer sees the close once its FIN is read: waited for, not guessed at (a busy machine may be slow).
      await Promise.race([peerClosing, new Promise((r) => setTimeout(r, 10_000))]);
      expect(closed).toBe(true);
    } finally {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 30_000);
});
