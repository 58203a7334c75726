/**
 * UID (RFC 3501 §6.4.8, RFC 4315 for UID EXPUNGE, RFC 6851 for UID MOVE, RFC 5256 for UID SORT
 * and UID THREAD): the same command, with UIDs instead of sequence numbers, and UID in every
 * FETCH response.
 */
import { defineCommand, SELECTED, type ImapCommand } from '../command.js';
import { bad, no, type Completion } from '../response.js';
import { workerFailedText } from '../workerReplies.js';
import { WorkerJobFailed } from '../../workers/pool.js';
import { ArgumentError, keyword, rest, validateArgs } from '../schema.js';
import copy from './copy.js';
import expunge from './expunge.js';
import fetch from './fetch.js';
import move from './move.js';
import search from './search.js';
import sort from './sort.js';
import store from './store.js';
import thread from './thread.js';

const SUBCOMMANDS = new Map<string, ImapCommand>([fetch, search, sort, thread, store, copy, move, expunge].map((c) => [c.name, c as unknown as ImapCommand]));

export default defineCommand({
  name: 'UID',
  states: SELECTED,
  args: [keyword('command after UID', [...SUBCOMMANDS.keys()]), rest('arguments', false)],
  example: 'UID FETCH 1:* FLAGS',
  async handle(ctx, [name, tokens]): Promise<Completion> {
    const command = SUBCOMMANDS.get(name)!;
    try {
      const args = validateArgs(command.args, tokens, ctx.session.parseContext);
      // Built as runCommand builds it (not spread): handlers then see one shape of context, not two.
      return await command.handle({ tag: ctx.tag, uid: true, session: ctx.session, out: ctx.out }, args);
    } catch (err) {
      if (err instanceof ArgumentError) return bad(`${err.message}. Try: ${ctx.tag} UID ${command.example.replace(/^EXPUNGE$/, 'EXPUNGE 1:*')}`);
      // Said for the command under UID (UID FETCH is told what a FETCH is told), not for UID.
      if (err instanceof WorkerJobFailed) return no(workerFailedText(command.name, err.message, ctx.tag), 'LIMIT');
      throw err;
    }
  },
});
