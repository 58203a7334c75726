/**
 * main.cf's lists of lookup tables (mainCfTables.ts): every word is a table of a type this
 * Postfix has, as a real smtpd judged them; $names expand as Postfix expands them.
 */
import { describe, expect, it } from 'vitest';
import { parseMainCf } from '../../lab-server/src/grading/config/mainCf.js';
import { badValues } from '../../lab-server/src/grading/config/mainCfValues.js';
import { gradePostfixVirtual } from '../../lab-server/src/grading/config/postfix.js';
import type { FeedbackLine } from '../../lab-server/src/grading/feedback.js';

const codes = (lines: FeedbackLine[]): string[] => lines.filter((l) => l.level !== 'ok').map((l) => `${l.level}:${l.code}`);

describe('lists of lookup tables', () => {
  const base = 'virtual_mailbox_domains = example.com\nvirtual_mailbox_base = /var/mail/vhosts';
  const p = { domains: ['example.com'], base: '/var/mail/vhosts', maps: 'hash:/etc/postfix/vmailbox' };
  it('every word is a table: a "# note" after one stops smtpd ("expecting "type:name" form instead of "#"")', async () => {
    const lines = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox # note`, p);
    expect(codes(lines)).toEqual(['warn:postfix.notice', 'error:postfix.bad-table']);
    expect(lines.find((l) => l.code === 'postfix.bad-table')!.message.en).toMatch(/expecting "type:name" form instead of "#"/);
    expect(lines.find((l) => l.code === 'postfix.bad-table')!.hint!.en).toMatch(/"virtual_mailbox_maps = hash:\/etc\/postfix\/vmailbox"; put comments on their own line/);
  });

  it('a type this Postfix lacks, or written in capitals, fails every lookup; inline tables and proxy: are tables', async () => {
    for (const [value, why] of [['pcre:/etc/postfix/vmailbox', /postfix-pcre package/], ['HASH:/etc/postfix/vmailbox', /lower case: hash/], ['hash:', /expecting "type:name"/]] as const) {
      const lines = await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = ${value}`, p);
      expect(lines.find((l) => l.code === 'postfix.bad-table')?.message.en, value).toMatch(why);
    }
    const fine = parseMainCf('smtpd_sender_login_maps = inline:{ alice@example.com=alice, { bob@example.com = bob } }, proxy:hash:/etc/postfix/x\nheader_checks = regexp:/etc/postfix/h');
    expect(badValues(fine)).toEqual([]);
  });

  it('only in the lists that are tables and nothing else, and in a master.cf -o only its own', () => {
    expect(badValues(parseMainCf('mydestination = example.com # note\nproxy_read_maps = $mydestination'))).toEqual([]);
    const cf = parseMainCf('smtpd_sender_login_maps = hash:/etc/postfix/x # note\nheader_checks = /etc/postfix/h');
    expect(codes(badValues(cf))).toEqual(['error:postfix.bad-table', 'error:postfix.bad-table']);
    expect(badValues(cf, new Set(['header_checks'])).map((l) => l.message.en)).toEqual([expect.stringMatching(/^header_checks = \/etc\/postfix\/h:/)]);
  });

  it('$default_database_type is hash (postconf -d), and a word with a $name the grader cannot expand is not judged', async () => {
    for (const maps of ['$default_database_type:/etc/postfix/vmailbox', '${default_database_type}:/etc/postfix/vmailbox']) {
      expect(codes(await gradePostfixVirtual(`${base}\nvirtual_mailbox_maps = ${maps}\nalias_maps = $default_database_type:/etc/aliases`, p)), maps).toEqual([]);
    }
    // Postfix knows mail_name and process_name, with defaults the grader does not hold: no "daemons stop" on a guess; the rest is still judged.
    expect(badValues(parseMainCf('alias_maps = $(mail_name):/etc/aliases, ${process_name?hash}:/x'))).toEqual([]);
    expect(badValues(parseMainCf('alias_maps = $mail_name:/etc/aliases, $mytype:/x # note\nmytype = hash')).map((l) => l.message.en)).toEqual([expect.stringMatching(/instead of "#"/)]);
    // A name Postfix does not know is nothing (postconf: "undefined parameter"), Object.prototype's too
    // (they once reached the parser as functions and threw).
    const proto = parseMainCf('alias_maps = $constructor:/etc/aliases\nmyorigin = $toString${hasOwnProperty}');
    expect([proto.problems, proto.expand('myorigin')]).toEqual([[], '']);
    expect(badValues(proto).map((l) => l.message.en)).toEqual([expect.stringMatching(/^alias_maps = :\/etc\/aliases: .*instead of ":\/etc\/aliases"/)]);
  });
});
