/**
 * A small TextMate grammar for Postfix's main.cf and master.cf, so shiki can colour them:
 * comments, "parameter = value" lines, $parameter references and map types (hash:, lmtp:).
 */
import type { LanguageRegistration } from 'shiki';

export const postfixGrammar: LanguageRegistration = {
  name: 'postfix',
  scopeName: 'source.postfix',
  displayName: 'Postfix main.cf',
  aliases: ['main.cf', 'master.cf'],
  patterns: [
    { include: '#comment' },
    {
      // parameter = value (the value may continue on indented lines)
      match: '^([A-Za-z0-9_]+)\\s*(=)',
      captures: { 1: { name: 'variable.other.property.postfix' }, 2: { name: 'keyword.operator.assignment.postfix' } },
    },
    {
      // master.cf: service type private unpriv chroot wakeup maxproc command
      match: '^([A-Za-z0-9_.:\\[\\]-]+)(\\s+)(inet|unix|unix-dgram|fifo|pass)\\b',
      captures: { 1: { name: 'entity.name.function.postfix' }, 3: { name: 'storage.type.postfix' } },
    },
    { match: '^\\s+(-o)\\s+([A-Za-z0-9_]+)(=)', captures: { 1: { name: 'keyword.other.postfix' }, 2: { name: 'variable.other.property.postfix' }, 3: { name: 'keyword.operator.assignment.postfix' } } },
    { include: '#value' },
  ],
  repository: {
    comment: { match: '^\\s*#.*$', name: 'comment.line.number-sign.postfix' },
    value: {
      patterns: [
        { match: '\\$\\{?[A-Za-z0-9_]+\\}?', name: 'variable.other.postfix' },
        { match: '\\b(hash|lmdb|btree|cdb|texthash|regexp|pcre|mysql|pgsql|sqlite|ldap|proxy|inline|static|unix|inet|lmtp|smtp|dovecot)(?=:)', name: 'support.type.postfix' },
        { match: '\\b(yes|no|may|encrypt|none|all)\\b', name: 'constant.language.postfix' },
        { match: '\\b(permit|reject|defer|check|warn_if)_[a-z_]+\\b|\\b(permit|reject)\\b', name: 'entity.name.function.postfix' },
        { match: '\\b\\d+[smhdw]?\\b', name: 'constant.numeric.postfix' },
      ],
    },
  },
};
