/** ID (RFC 2971): the client says who it is, the server answers in kind. */
import { ANY_STATE, defineCommand } from '../command.js';
import type { Token } from '../parser.js';
import { ok } from '../response.js';
import { ArgumentError, type ArgSpec } from '../schema.js';

const idParams: ArgSpec<void> = {
  what: 'client identification: NIL or a list of name/value pairs',
  parse(tokens: Token[]) {
    const t = tokens[0]!;
    if (t.type === 'atom' && t.value.toUpperCase() === 'NIL') return;
    if (t.type !== 'list') throw new ArgumentError('ID takes NIL or a list of "name" "value" pairs');
    // RFC 2971 §3.3: at most 30 pairs, names up to 30 octets, values up to 1024.
    if (t.items.length % 2 !== 0) throw new ArgumentError('ID takes "name" "value" pairs: the last name has no value (NIL for none)');
    if (t.items.length > 60) throw new ArgumentError('ID takes at most 30 "name" "value" pairs');
    t.items.forEach((item, i) => {
      if (item.type === 'list') throw new ArgumentError('ID names and values are strings');
      if (item.type === 'string' && item.value.length > (i % 2 === 0 ? 30 : 1024)) throw new ArgumentError('ID name or value too long');
    });
  },
};

export default defineCommand({
  name: 'ID',
  states: ANY_STATE,
  args: [idParams],
  example: 'ID ("name" "my-client" "version" "1.0")',
  async handle({ out }) {
    await out.untagged('ID ("name" "MailLab" "vendor" "MailLab" "version" "0.1.0")');
    return ok('ID completed');
  },
});
