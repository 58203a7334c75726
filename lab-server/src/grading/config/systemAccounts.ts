/**
 * The users and groups of the exercises' mail server: Debian 12's base accounts (base-passwd),
 * those its postfix, dovecot and opendkim packages add, and the vmail account the exercises
 * make. Dovecot stops on a listener owned by a name the machine does not have ("service(auth)
 * Group doesn't exist: none"); it does not read numbers there ("User doesn't exist: 103").
 */

export const SYSTEM_USERS = new Set([
  'root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy', 'www-data', 'backup', 'list', 'irc', '_apt', 'nobody',
  'messagebus', 'systemd-network', 'systemd-timesync', 'postfix', 'dovecot', 'dovenull', 'opendkim', 'vmail',
]);

export const SYSTEM_GROUPS = new Set([
  'root', 'daemon', 'bin', 'sys', 'adm', 'tty', 'disk', 'lp', 'mail', 'news', 'uucp', 'man', 'proxy', 'kmem', 'dialout', 'fax', 'voice', 'cdrom', 'floppy',
  'tape', 'sudo', 'audio', 'dip', 'www-data', 'backup', 'operator', 'list', 'irc', 'src', 'shadow', 'utmp', 'video', 'sasl', 'plugdev', 'staff', 'games',
  'users', 'nogroup', 'ssl-cert', 'messagebus', 'systemd-journal', 'systemd-network', 'systemd-timesync', 'postfix', 'postdrop', 'dovecot', 'dovenull',
  'opendkim', 'vmail',
]);
