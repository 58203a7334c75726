/**
 * A small TextMate grammar for DNS zone files (RFC 1035 master-file format): ";" comments,
 * $ORIGIN/$TTL directives, owner names, TTLs, the IN class, record types and quoted TXT data.
 */
import type { LanguageRegistration } from 'shiki';

export const zoneGrammar: LanguageRegistration = {
  name: 'zone',
  scopeName: 'source.zone',
  displayName: 'DNS zone file',
  aliases: ['dns', 'bind'],
  repository: {},
  patterns: [
    { match: ';.*$', name: 'comment.line.semicolon.zone' },
    { match: '^\\$(ORIGIN|TTL|INCLUDE)\\b', name: 'keyword.control.directive.zone' },
    { match: '^(?:[^\\s;]+)', name: 'entity.name.tag.zone' },
    { match: '\\b(IN|CH|HS)\\b', name: 'storage.modifier.class.zone' },
    { match: '\\b(SOA|NS|A|AAAA|MX|TXT|PTR|CNAME|SRV|CAA|TLSA|SPF|DS|DNSKEY)\\b', name: 'keyword.other.type.zone' },
    { begin: '"', end: '"', name: 'string.quoted.double.zone', patterns: [{ match: '\\b(v=(?:spf1|DKIM1|DMARC1)|p|k|rua|ruf|adkim|aspf|sp|pct|fo|t|h|s)(?==)', name: 'variable.other.tag.zone' }] },
    { match: '\\b\\d+\\b', name: 'constant.numeric.zone' },
    { match: '[()]', name: 'punctuation.section.parens.zone' },
  ],
};
