/**
 * The lesson page draws freshSandbox() (site/lib/maildirView.ts) unseen until the lab answers,
 * to keep the live Maildir view's room. It must stay what a fresh lab's GET /api/maildir
 * returns, or the view moves the text when it arrives: the same users, folders, files per
 * folder, sizes and quota line. File names are compared with their unique part (M<usec>,
 * P<pid>, Q<n>) masked: those differ from lab to lab; the host and the sizes in them do not.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freshSandbox, type SandboxView } from '../../site/lib/maildirView.js';
import { startTestLab } from '../helpers/lab.js';

/** What the view draws from a sandbox, without what is unique to one lab. */
function shape(view: SandboxView) {
  return {
    sandbox: view.sandbox,
    users: view.users.map((user) => ({
      ...user,
      folders: user.folders.map((folder) => {
        const files = (sub: 'new' | 'cur' | 'tmp') => folder[sub].map((file) => ({ ...file, name: file.name.replace(/\.M\d+P\d+Q\d+\./, '.M…P…Q….') }));
        return { ...folder, new: files('new'), cur: files('cur'), tmp: files('tmp') };
      }),
    })),
    messages: view.usage?.messages,
    limits: view.usage?.limits,
  };
}

describe("the Maildir view's stand-in", () => {
  it("is a fresh lab's /api/maildir: users, folders, files, sizes, quota", async () => {
    const lab = await startTestLab();
    try {
      const response = await fetch(`http://127.0.0.1:${lab.httpPort}/api/maildir`);
      expect(response.status).toBe(200);
      const fresh = (await response.json()) as SandboxView;
      const standIn = freshSandbox(hostname());
      expect(shape(standIn)).toEqual(shape(fresh));
      // The used bytes include index files written as folders are first looked at (8.3–9.4 KB
      // measured): the stand-in's line must read as a fresh lab's, a few KB, not be equal.
      expect(Math.abs(standIn.usage!.bytes - fresh.usage!.bytes)).toBeLessThan(2048);
    } finally {
      await lab.dispose();
    }
  }, 60_000);
});
