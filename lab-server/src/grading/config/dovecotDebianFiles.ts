/**
 * What Debian 12's dovecot-core puts in each file under /etc/dovecot (the lines that are not
 * comments), as this machine has them: an `!include` of one of them reads these lines, so their
 * settings count as doveconf counts them (a stock conf.d/10-mail.conf included after the answer's
 * mail_location sets mbox again). tests/unit/dovecot-includes.test.ts compares them with the files.
 */
export const DEBIAN_DOVECOT_TEXT: ReadonlyMap<string, string> = new Map([
  ['/etc/dovecot/dovecot.conf', `
!include_try /usr/share/dovecot/protocols.d/*.protocol
dict {
}
!include conf.d/*.conf
!include_try local.conf`],
  ['/etc/dovecot/dovecot-dict-auth.conf.ext', `
default_pass_scheme = MD5
iterate_prefix = userdb/
key passdb {
  key = passdb/%u
  format = json
}
key userdb {
  key = userdb/%u
  format = json
}
key quota {
  key = userdb/%u/quota
  default_value = 100M
}
passdb_objects = passdb
userdb_objects = userdb
userdb_fields {
  quota_rule = *:storage=%{dict:quota}
  mail = maildir:%{dict:userdb.home}/Maildir
}`],
  ['/etc/dovecot/dovecot-dict-sql.conf.ext', `
map {
  pattern = priv/quota/storage
  table = quota
  username_field = username
  value_field = bytes
}
map {
  pattern = priv/quota/messages
  table = quota
  username_field = username
  value_field = messages
}`],
  ['/etc/dovecot/dovecot-sql.conf.ext', ''],
  ['/etc/dovecot/conf.d/10-auth.conf', `
auth_mechanisms = plain
!include auth-system.conf.ext`],
  ['/etc/dovecot/conf.d/10-director.conf', `
service director {
  unix_listener login/director {
  }
  fifo_listener login/proxy-notify {
  }
  unix_listener director-userdb {
  }
  inet_listener {
  }
}
service imap-login {
}
service pop3-login {
}
service submission-login {
}
protocol lmtp {
}`],
  ['/etc/dovecot/conf.d/10-logging.conf', `
plugin {
}`],
  ['/etc/dovecot/conf.d/10-mail.conf', `
mail_location = mbox:~/mail:INBOX=/var/mail/%u
namespace inbox {
  inbox = yes
}
mail_privileged_group = mail
protocol !indexer-worker {
}`],
  ['/etc/dovecot/conf.d/10-master.conf', `
service imap-login {
  inet_listener imap {
  }
  inet_listener imaps {
  }
}
service pop3-login {
  inet_listener pop3 {
  }
  inet_listener pop3s {
  }
}
service submission-login {
  inet_listener submission {
  }
}
service lmtp {
  unix_listener lmtp {
  }
}
service imap {
}
service pop3 {
}
service submission {
}
service auth {
  unix_listener auth-userdb {
  }
}
service auth-worker {
}
service dict {
  unix_listener dict {
  }
}`],
  ['/etc/dovecot/conf.d/10-ssl.conf', `
ssl = yes
ssl_cert = </etc/dovecot/private/dovecot.pem
ssl_key = </etc/dovecot/private/dovecot.key
ssl_client_ca_dir = /etc/ssl/certs
ssl_dh = </usr/share/dovecot/dh.pem`],
  ['/etc/dovecot/conf.d/10-tcpwrapper.conf', ''],
  ['/etc/dovecot/conf.d/15-lda.conf', `
protocol lda {
}`],
  ['/etc/dovecot/conf.d/15-mailboxes.conf', `
namespace inbox {
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox "Sent Messages" {
    special_use = \\Sent
  }
}`],
  ['/etc/dovecot/conf.d/20-imap.conf', `
protocol imap {
}`],
  ['/etc/dovecot/conf.d/20-lmtp.conf', `
protocol lmtp {
}`],
  ['/etc/dovecot/conf.d/20-pop3.conf', `
protocol pop3 {
}`],
  ['/etc/dovecot/conf.d/90-acl.conf', `
plugin {
}
plugin {
}`],
  ['/etc/dovecot/conf.d/90-plugin.conf', `
plugin {
}`],
  ['/etc/dovecot/conf.d/90-quota.conf', `
plugin {
}
plugin {
}
plugin {
}
plugin {
}`],
  ['/etc/dovecot/conf.d/auth-checkpassword.conf.ext', `
passdb {
  driver = checkpassword
  args = /usr/bin/checkpassword
}
userdb {
  driver = prefetch
}`],
  ['/etc/dovecot/conf.d/auth-deny.conf.ext', `
passdb {
  driver = passwd-file
  deny = yes
  args = /etc/dovecot/deny-users
}`],
  ['/etc/dovecot/conf.d/auth-dict.conf.ext', `
passdb {
  driver = dict
  args = /etc/dovecot/dovecot-dict-auth.conf.ext
}
userdb {
  driver = dict
  args = /etc/dovecot/dovecot-dict-auth.conf.ext
}`],
  ['/etc/dovecot/conf.d/auth-master.conf.ext', `
passdb {
  driver = passwd-file
  master = yes
  args = /etc/dovecot/master-users
  pass = yes
}`],
  ['/etc/dovecot/conf.d/auth-passwdfile.conf.ext', `
passdb {
  driver = passwd-file
  args = scheme=CRYPT username_format=%u /etc/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%u /etc/dovecot/users
}`],
  ['/etc/dovecot/conf.d/auth-sql.conf.ext', `
passdb {
  driver = sql
  args = /etc/dovecot/dovecot-sql.conf.ext
}
userdb {
  driver = sql
  args = /etc/dovecot/dovecot-sql.conf.ext
}`],
  ['/etc/dovecot/conf.d/auth-static.conf.ext', ''],
  ['/etc/dovecot/conf.d/auth-system.conf.ext', `
passdb {
  driver = pam
}
userdb {
  driver = passwd
}`],
]);
