/**
 * A sandbox's files as one stream, for a drain to copy it from node to node byte for byte:
 * Maildirs with their uid lists and indexes (so UIDVALIDITY and every UID stay as they are),
 * zones, queue, DKIM keys, world.json. Each entry is a JSON header line, then the file's bytes;
 * the last line carries the SHA-256 over everything before it, so the receiving node can prove
 * it got exactly what was sent before the placement switches.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, utimes } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';

interface Entry {
  path: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
  mtimeMs: number;
}

interface Trailer {
  end: true;
  files: number;
  bytes: number;
  digest: string;
}

export interface CopyResult {
  files: number;
  bytes: number;
  digest: string;
}

async function* walk(root: string, dir: string): AsyncGenerator<Entry & { abs: string }> {
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const abs = join(dir, e.name);
    if (!e.isDirectory() && !e.isFile()) continue;
    const st = await lstat(abs);
    const entry = { abs, path: relative(root, abs).split(sep).join('/'), type: e.isDirectory() ? ('dir' as const) : ('file' as const), size: e.isFile() ? st.size : 0, mode: st.mode & 0o777, mtimeMs: st.mtimeMs };
    if (e.isDirectory()) {
      yield* walk(root, abs);
      // A directory comes after its contents, so its mtime can be set last on the other side.
      yield entry;
    } else {
      yield entry;
    }
  }
}

/** The sandbox directory `root` as an archive stream. */
export async function* archiveSandbox(root: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let files = 0;
  let bytes = 0;
  const emit = (b: Buffer): Buffer => {
    hash.update(b);
    return b;
  };
  for await (const { abs, ...entry } of walk(root, root)) {
    yield emit(Buffer.from(JSON.stringify(entry) + '\n'));
    if (entry.type !== 'file') continue;
    let sent = 0;
    if (entry.size > 0) {
      for await (const chunk of createReadStream(abs, { end: entry.size - 1 }) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        yield emit(chunk);
      }
    }
    if (sent !== entry.size) throw new Error(`${entry.path} changed size while it was copied`);
    files++;
    bytes += entry.size;
  }
  const trailer: Trailer = { end: true, files, bytes, digest: hash.digest('hex') };
  yield Buffer.from(JSON.stringify(trailer) + '\n');
}

/** A relative path inside the archive that stays inside the target directory. */
function safePath(path: unknown): string {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..') || path.includes('\0')) {
    throw new Error(`refused an archive entry outside the sandbox: ${JSON.stringify(path)}`);
  }
  return path;
}

/** Reads an archive stream into `target` (a new directory); resolves when the trailer's digest matched. */
export async function unpackSandbox(stream: Readable, target: string): Promise<CopyResult> {
  await mkdir(target, { recursive: true });
  const hash: Hash = createHash('sha256');
  let buffered: Buffer = Buffer.alloc(0);
  let current: { entry: Entry; left: number; fd: Awaited<ReturnType<typeof open>> } | undefined;
  const dirs: Entry[] = [];
  let files = 0;
  let bytes = 0;
  let trailer: Trailer | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length > 0 && !trailer) {
      if (current) {
        const take = Math.min(current.left, buffered.length);
        const part = buffered.subarray(0, take);
        hash.update(part);
        await current.fd.write(part);
        buffered = buffered.subarray(take);
        current.left -= take;
        if (current.left === 0) {
          await current.fd.close();
          await utimes(join(target, current.entry.path), new Date(), new Date(current.entry.mtimeMs));
          current = undefined;
        }
        continue;
      }
      const nl = buffered.indexOf(10);
      if (nl < 0) {
        if (buffered.length > 64 * 1024) throw new Error('archive header too long');
        break;
      }
      const line = buffered.subarray(0, nl + 1);
      buffered = buffered.subarray(nl + 1);
      const header = JSON.parse(line.toString('utf8')) as Entry | Trailer;
      if ('end' in header) {
        trailer = header;
        break;
      }
      hash.update(line);
      const path = join(target, safePath(header.path));
      if (header.type === 'dir') {
        await mkdir(path, { recursive: true, mode: header.mode });
        dirs.push(header);
        continue;
      }
      await mkdir(dirname(path), { recursive: true });
      const fd = await open(path, 'wx', header.mode);
      files++;
      bytes += header.size;
      if (header.size === 0) {
        await fd.close();
        await utimes(path, new Date(), new Date(header.mtimeMs));
      } else {
        current = { entry: header, left: header.size, fd };
      }
    }
  }
  if (current) await current.fd.close();
  if (!trailer) throw new Error('the archive ended early: the copy is incomplete');
  const digest = hash.digest('hex');
  if (digest !== trailer.digest || files !== trailer.files || bytes !== trailer.bytes) {
    throw new Error(`the copy does not match what was sent (digest ${digest} ≠ ${trailer.digest})`);
  }
  // Directory times last: writing their files changed them.
  for (const d of dirs) await utimes(join(target, d.path), new Date(), new Date(d.mtimeMs));
  return { files, bytes, digest };
}
