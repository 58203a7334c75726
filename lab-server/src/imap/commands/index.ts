/** The command table: one module per command, looked up by name. */
import type { ImapCommand } from '../command.js';
import append from './append.js';
import authenticate from './authenticate.js';
import cancelupdate from './cancelupdate.js';
import capability from './capability.js';
import check from './check.js';
import close from './close.js';
import copy from './copy.js';
import create from './create.js';
import del from './delete.js';
import enable from './enable.js';
import examine from './examine.js';
import expunge from './expunge.js';
import fetch from './fetch.js';
import genurlauth from './genurlauth.js';
import getquota from './getquota.js';
import getquotaroot from './getquotaroot.js';
import id from './id.js';
import idle from './idle.js';
import list from './list.js';
import login from './login.js';
import logout from './logout.js';
import lsub from './lsub.js';
import move from './move.js';
import namespace from './namespace.js';
import noop from './noop.js';
import notify from './notify.js';
import rename from './rename.js';
import resetkey from './resetkey.js';
import search from './search.js';
import select from './select.js';
import setquota from './setquota.js';
import sort from './sort.js';
import starttls from './starttls.js';
import status from './status.js';
import store from './store.js';
import subscribe from './subscribe.js';
import thread from './thread.js';
import uid from './uid.js';
import unselect from './unselect.js';
import unsubscribe from './unsubscribe.js';
import urlfetch from './urlfetch.js';

const ALL = [
  capability, noop, logout, starttls, authenticate, login,
  select, examine, create, del, rename, subscribe, unsubscribe, list, lsub, status, append,
  check, close, expunge, search, sort, thread, cancelupdate, fetch, store, copy, move, uid,
  idle, namespace, id, enable, unselect, genurlauth, urlfetch, resetkey, notify,
  getquota, getquotaroot, setquota,
] as unknown as ImapCommand[];

export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map(ALL.map((c) => [c.name, c]));
export const COMMAND_NAMES: readonly string[] = ALL.map((c) => c.name);
