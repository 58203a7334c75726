/**
 * A small TextMate grammar for dovecot.conf (2.3 and 2.4): comments, "key = value",
 * named sections "passdb passwd-file {", "<file" includes and %variables, old and new style.
 */
import type { LanguageRegistration } from 'shiki';

export const dovecotGrammar: LanguageRegistration = {
  name: 'dovecot',
  scopeName: 'source.dovecot',
  displayName: 'dovecot.conf',
  aliases: ['dovecot.conf'],
  repository: {},
  patterns: [
    { match: '^\\s*#.*$', name: 'comment.line.number-sign.dovecot' },
    {
      match: '^\\s*([A-Za-z0-9_]+)\\s*(=)',
      captures: { 1: { name: 'variable.other.property.dovecot' }, 2: { name: 'keyword.operator.assignment.dovecot' } },
    },
    {
      // section header: name [filter-name] {
      match: '^\\s*([A-Za-z0-9_]+)(?:\\s+([^\\s{]+))?\\s*(\\{)',
      captures: { 1: { name: 'entity.name.section.dovecot' }, 2: { name: 'entity.name.tag.dovecot' }, 3: { name: 'punctuation.section.block.begin.dovecot' } },
    },
    { match: '^\\s*\\}', name: 'punctuation.section.block.end.dovecot' },
    { match: '%\\{[^}]*\\}|%[a-zA-Z]', name: 'variable.other.dovecot' },
    { match: '<\\s*\\S+', name: 'string.unquoted.file.dovecot' },
    { match: '\\b(yes|no|required)\\b', name: 'constant.language.dovecot' },
    { match: '"[^"]*"', name: 'string.quoted.double.dovecot' },
    { match: '\\b\\d[\\d.]*\\b', name: 'constant.numeric.dovecot' },
  ],
};
