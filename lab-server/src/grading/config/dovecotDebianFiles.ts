/**
 * What Debian 12's dovecot-core puts in each file under /etc/dovecot (the lines that are not
 * comments), each after its number in the file, as this machine has them: an `!include` of one of
 * them reads these lines, so their settings count as doveconf counts them (a stock
 * conf.d/10-mail.conf included after the answer's mail_location sets mbox again), and a problem in
 * one is told by its file and line, as doveconf tells it. tests/unit/dovecot-includes.test.ts
 * compares them with the files.
 */
export const DEBIAN_DOVECOT_TEXT: ReadonlyMap<string, string> = new Map([
  ['/etc/dovecot/dovecot.conf', `
24 !include_try /usr/share/dovecot/protocols.d/*.protocol
90 dict {
92 }
97 !include conf.d/*.conf
101 !include_try local.conf`],
  ['/etc/dovecot/dovecot-dict-auth.conf.ext', `
8 default_pass_scheme = MD5
11 iterate_prefix = userdb/
21 key passdb {
22   key = passdb/%u
23   format = json
24 }
25 key userdb {
26   key = userdb/%u
27   format = json
28 }
29 key quota {
30   key = userdb/%u/quota
35   default_value = 100M
36 }
40 passdb_objects = passdb
46 userdb_objects = userdb
48 userdb_fields {
50   quota_rule = *:storage=%{dict:quota}
53   mail = maildir:%{dict:userdb.home}/Maildir
54 }`],
  ['/etc/dovecot/dovecot-dict-sql.conf.ext', `
12 map {
13   pattern = priv/quota/storage
14   table = quota
15   username_field = username
16   value_field = bytes
17 }
18 map {
19   pattern = priv/quota/messages
20   table = quota
21   username_field = username
22   value_field = messages
23 }`],
  ['/etc/dovecot/dovecot-sql.conf.ext', ''],
  ['/etc/dovecot/conf.d/10-auth.conf', `
100 auth_mechanisms = plain
122 !include auth-system.conf.ext`],
  ['/etc/dovecot/conf.d/10-director.conf', `
30 service director {
31   unix_listener login/director {
33   }
34   fifo_listener login/proxy-notify {
36   }
37   unix_listener director-userdb {
39   }
40   inet_listener {
42   }
43 }
47 service imap-login {
49 }
50 service pop3-login {
52 }
53 service submission-login {
55 }
58 protocol lmtp {
60 }`],
  ['/etc/dovecot/conf.d/10-logging.conf', `
64 plugin {
70 }`],
  ['/etc/dovecot/conf.d/10-mail.conf', `
30 mail_location = mbox:~/mail:INBOX=/var/mail/%u
42 namespace inbox {
61   inbox = yes
80 }
114 mail_privileged_group = mail
268 protocol !indexer-worker {
274 }`],
  ['/etc/dovecot/conf.d/10-master.conf', `
17 service imap-login {
18   inet_listener imap {
20   }
21   inet_listener imaps {
24   }
36 }
38 service pop3-login {
39   inet_listener pop3 {
41   }
42   inet_listener pop3s {
45   }
46 }
48 service submission-login {
49   inet_listener submission {
51   }
52 }
54 service lmtp {
55   unix_listener lmtp {
57   }
65 }
67 service imap {
74 }
76 service pop3 {
79 }
81 service submission {
84 }
86 service auth {
100   unix_listener auth-userdb {
104   }
113 }
115 service auth-worker {
120 }
122 service dict {
125   unix_listener dict {
129   }
130 }`],
  ['/etc/dovecot/conf.d/10-ssl.conf', `
6 ssl = yes
12 ssl_cert = </etc/dovecot/private/dovecot.pem
13 ssl_key = </etc/dovecot/private/dovecot.key
36 ssl_client_ca_dir = /etc/ssl/certs
55 ssl_dh = </usr/share/dovecot/dh.pem`],
  ['/etc/dovecot/conf.d/10-tcpwrapper.conf', ''],
  ['/etc/dovecot/conf.d/15-lda.conf', `
45 protocol lda {
48 }`],
  ['/etc/dovecot/conf.d/15-mailboxes.conf', `
48 namespace inbox {
50   mailbox Drafts {
51     special_use = \\Drafts
52   }
53   mailbox Junk {
54     special_use = \\Junk
55   }
56   mailbox Trash {
57     special_use = \\Trash
58   }
62   mailbox Sent {
63     special_use = \\Sent
64   }
65   mailbox "Sent Messages" {
66     special_use = \\Sent
67   }
86 }`],
  ['/etc/dovecot/conf.d/20-imap.conf', `
92 protocol imap {
99 }`],
  ['/etc/dovecot/conf.d/20-lmtp.conf', `
37 protocol lmtp {
40 }`],
  ['/etc/dovecot/conf.d/20-pop3.conf', `
92 protocol pop3 {
99 }`],
  ['/etc/dovecot/conf.d/90-acl.conf', `
11 plugin {
13 }
17 plugin {
19 }`],
  ['/etc/dovecot/conf.d/90-plugin.conf', `
9 plugin {
11 }`],
  ['/etc/dovecot/conf.d/90-quota.conf', `
17 plugin {
28 }
41 plugin {
44 }
69 plugin {
74 }
78 plugin {
83 }`],
  ['/etc/dovecot/conf.d/auth-checkpassword.conf.ext', `
5 passdb {
6   driver = checkpassword
7   args = /usr/bin/checkpassword
8 }
11 userdb {
12   driver = prefetch
13 }`],
  ['/etc/dovecot/conf.d/auth-deny.conf.ext', `
9 passdb {
10   driver = passwd-file
11   deny = yes
14   args = /etc/dovecot/deny-users
15 }`],
  ['/etc/dovecot/conf.d/auth-dict.conf.ext', `
5 passdb {
6   driver = dict
10   args = /etc/dovecot/dovecot-dict-auth.conf.ext
11 }
13 userdb {
14   driver = dict
15   args = /etc/dovecot/dovecot-dict-auth.conf.ext
16 }`],
  ['/etc/dovecot/conf.d/auth-master.conf.ext', `
8 passdb {
9   driver = passwd-file
10   master = yes
11   args = /etc/dovecot/master-users
15   pass = yes
16 }`],
  ['/etc/dovecot/conf.d/auth-passwdfile.conf.ext', `
6 passdb {
7   driver = passwd-file
8   args = scheme=CRYPT username_format=%u /etc/dovecot/users
9 }
11 userdb {
12   driver = passwd-file
13   args = username_format=%u /etc/dovecot/users
20 }`],
  ['/etc/dovecot/conf.d/auth-sql.conf.ext', `
5 passdb {
6   driver = sql
9   args = /etc/dovecot/dovecot-sql.conf.ext
10 }
19 userdb {
20   driver = sql
21   args = /etc/dovecot/dovecot-sql.conf.ext
22 }`],
  ['/etc/dovecot/conf.d/auth-static.conf.ext', ''],
  ['/etc/dovecot/conf.d/auth-system.conf.ext', `
10 passdb {
11   driver = pam
15 }
49 userdb {
51   driver = passwd
57 }`],
]);
