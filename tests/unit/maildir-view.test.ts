/** The live Maildir view's change detection: a delivery or a rename (new → cur, a flag) is a new file. */
import { describe, expect, it } from 'vitest';
import { diffFiles, type SandboxView } from '../../site/lib/maildirView.js';

function view(newFiles: string[], curFiles: string[]): SandboxView {
  return {
    sandbox: 'default',
    users: [
      {
        address: 'bob@example.com',
        path: 'vhosts/example.com/bob',
        folders: [{ name: 'INBOX', dir: '', new: newFiles.map((name) => ({ name, flags: '', size: 1 })), cur: curFiles.map((name) => ({ name, flags: '', size: 1 })), tmp: [] }],
      },
    ],
  };
}

describe('Maildir view changes', () => {
  it('marks nothing on the first look, then exactly the files that appeared or were renamed', () => {
    const first = diffFiles(undefined, view(['1.M1P1Q1.h,S=5,W=6'], []));
    expect(first.added).toEqual([]);
    const delivered = diffFiles(first.keys, view(['1.M1P1Q1.h,S=5,W=6', '2.M1P1Q2.h,S=5,W=6'], []));
    expect(delivered.added).toEqual(['bob@example.com//new/2.M1P1Q2.h,S=5,W=6']);
    const read = diffFiles(delivered.keys, view(['2.M1P1Q2.h,S=5,W=6'], ['1.M1P1Q1.h,S=5,W=6:2,S']));
    expect(read.added).toEqual(['bob@example.com//cur/1.M1P1Q1.h,S=5,W=6:2,S']);
    expect(diffFiles(read.keys, view(['2.M1P1Q2.h,S=5,W=6'], ['1.M1P1Q1.h,S=5,W=6:2,S'])).added).toEqual([]);
  });
});
