#!/usr/bin/python3
"""
The real tools' opinion on SPF, DKIM and DMARC, answered from DNS data that BIND itself
compiled (named-compilezone's canonical output): pyspf evaluates SPF for an IP as a receiver
would, dkimpy signs a message and both dkimpy and OpenDKIM (`opendkim -t` with the record as
its TestDNSData) verify it, and DMARC records are read by RFC 7489's own grammar (section 6.4;
Debian's OpenDMARC is lenient where the grammar is not, e.g. "p=rej"; opendmarc.ts asks it how it
reads spacing), independently of the lab's grader.

Input (stdin, JSON): {"jobs": [{"records": ["name ttl IN TYPE rdata", ...], "tasks": [...]}, ...]}
(many answers in one process: starting Python and loading dkimpy is the slow part).
Output (stdout, JSON): per job, one result per task, in order.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import dkim
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import spf


def load(lines):
    """name -> type -> [rdata] from BIND's canonical dump."""
    db = {}
    for line in lines:
        parts = line.split(None, 4)
        if len(parts) < 5 or parts[2] != 'IN':
            continue
        name, _ttl, _cls, rtype, text = parts
        rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), text.strip(), origin=dns.name.root)
        db.setdefault(name.lower().rstrip('.'), {}).setdefault(rtype, []).append(rd)
    return db


def make_spf_lookup(db):
    def lookup(name, qtype, strict=True, timeout=30):
        key = str(name).lower().rstrip('.')
        out = []
        node = db.get(key, {})
        for rd in node.get('CNAME', []):
            out.append(((key, 'CNAME'), rd.target.to_text(True)))
        for rd in node.get(qtype, []):
            if qtype in ('A', 'AAAA'):
                out.append(((key, qtype), rd.address))
            elif qtype == 'MX':
                out.append(((key, qtype), (rd.preference, rd.exchange)))
            elif qtype == 'PTR':
                out.append(((key, qtype), rd.target.to_text(True)))
            elif qtype in ('TXT', 'SPF'):
                out.append(((key, qtype), list(rd.strings)))
        return out
    return lookup


def txt_records(db, name):
    return [b''.join(rd.strings) for rd in db.get(name.lower().rstrip('.'), {}).get('TXT', [])]


def judge_spf(db, task):
    spf.DNSLookup = make_spf_lookup(db)
    result, explanation = spf.check2(i=task['ip'], s='postmaster@' + task['domain'], h='client.lab.invalid')
    return {'result': result, 'explanation': explanation}


SAMPLE = (b'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\n'
          b'Subject: checked by dkimpy\r\nDate: Tue, 01 Sep 2026 08:00:00 +0000\r\n'
          b'Message-ID: <judge@mail.example.com>\r\n\r\nSigned by the real tool.\r\n')


def verify_dkim(db, message):
    """Verifies against every key record a resolver might hand out first."""
    sig = re.search(rb'(?im)^DKIM-Signature:.*?[;\s]s=([^;\s]+).*?$', message.replace(b'\r\n\t', b' ').replace(b'\r\n ', b' '))
    dom = re.search(rb'(?im)^DKIM-Signature:.*?[;\s]d=([^;\s]+)', message.replace(b'\r\n\t', b' ').replace(b'\r\n ', b' '))
    if not sig or not dom:
        return {'ok': False, 'why': 'the message carries no DKIM-Signature'}
    name = sig.group(1).decode() + '._domainkey.' + dom.group(1).decode()
    records = txt_records(db, name)
    if not records:
        return {'ok': False, 'why': 'no key record at ' + name}
    for record in records:
        try:
            good = dkim.verify(message, dnsfunc=lambda _n, timeout=5, r=record: r, minkey=1024)
        except Exception as err:  # dkimpy raises on malformed records
            return {'ok': False, 'why': 'dkimpy: %s' % err}
        if not good:
            return {'ok': False, 'why': 'dkimpy: the signature does not verify against %r' % record[:60]}
        refused = opendkim_refuses(message, name, record)
        if refused:
            return {'ok': False, 'why': 'opendkim: ' + refused}
    return {'ok': True, 'why': 'verified against %d record(s) at %s' % (len(records), name)}


def opendkim_refuses(message, name, record):
    """OpenDKIM's verifier (stricter than dkimpy about the key record's h=), or None if it passes."""
    with tempfile.TemporaryDirectory(prefix='maillab-opendkim-') as tmp:
        with open(os.path.join(tmp, 'dns'), 'wb') as f:
            f.write(name.encode() + b' ' + record.replace(b'\n', b' ') + b'\n')
        with open(os.path.join(tmp, 'opendkim.conf'), 'w') as f:
            f.write('Syslog no\nTestDNSData file:%s\n' % os.path.join(tmp, 'dns'))
        with open(os.path.join(tmp, 'message'), 'wb') as f:
            f.write(message)
        out = subprocess.run(['opendkim', '-x', os.path.join(tmp, 'opendkim.conf'), '-vv', '-t', os.path.join(tmp, 'message')],
                             capture_output=True, text=True, timeout=30)
        verdict = [l for l in (out.stdout + out.stderr).splitlines() if 'verification (' in l]
        if verdict and verdict[-1].rstrip().endswith('succeeded'):
            return None
        return verdict[-1].split(': ', 2)[-1] if verdict else 'no verdict (%s)' % (out.stdout + out.stderr).strip()[-200:]


def judge_dkim(db, task):
    if 'message' in task:
        return verify_dkim(db, task['message'].encode('latin-1'))
    signed = dkim.sign(SAMPLE, task['selector'].encode(), task['domain'].encode(), task['privateKey'].encode(),
                       include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
    return verify_dkim(db, signed + SAMPLE)


# RFC 7489 section 6.4: tag names and values as its ABNF has them.
DMARC_VALUES = {
    'p': re.compile(r'(?i)^(none|quarantine|reject)$'),
    'sp': re.compile(r'(?i)^(none|quarantine|reject)$'),
    'adkim': re.compile(r'(?i)^[rs]$'),
    'aspf': re.compile(r'(?i)^[rs]$'),
    'pct': re.compile(r'^\d{1,3}$'),
    'ri': re.compile(r'^\d{1,10}$'),
    'fo': re.compile(r'^[01ds](\s*:\s*[01ds])*$'),
    'rf': re.compile(r'(?i)^[a-z0-9-]+(\s*:\s*[a-z0-9-]+)*$'),
    # URI schemes are case-insensitive (RFC 3986 §3.1): MAILTO: is mailto:.
    'rua': re.compile(r'(?i)^mailto:[^\s,!;]+@[^\s,!;]+(![0-9]+[kmgt]?)?(\s*,\s*mailto:[^\s,!;]+@[^\s,!;]+(![0-9]+[kmgt]?)?)*$'),
    'ruf': re.compile(r'(?i)^mailto:[^\s,!;]+@[^\s,!;]+(![0-9]+[kmgt]?)?(\s*,\s*mailto:[^\s,!;]+@[^\s,!;]+(![0-9]+[kmgt]?)?)*$'),
}


def judge_dmarc(db, task):
    """What a receiver applies: the one record at _dmarc.<domain> whose v= is exactly DMARC1."""
    records = [r.decode('utf-8', 'replace') for r in txt_records(db, '_dmarc.' + task['domain'])]
    # Section 6.6.3: records that do not start with "v=DMARC1" are discarded. The ABNF's "v" is
    # case-insensitive (RFC 5234 §2.3; OpenDMARC reads "V=DMARC1" too), its %x-spelled DMARC1 is not.
    dmarc = [r for r in records if re.match(r'^[vV]\s*=\s*DMARC1\s*(;|$)', r)]
    # OpenDMARC also takes "v=dmarc1": a second record so spelled makes two for such receivers.
    lenient = [r for r in records if re.match(r'(?i)^v\s*=\s*DMARC1\s*(;|$)', r)]
    if len(lenient) > 1:
        return {'ok': False, 'why': '%d DMARC records at _dmarc.%s as OpenDMARC reads them' % (len(lenient), task['domain'])}
    if len(dmarc) != 1:
        return {'ok': False, 'why': '%d DMARC records at _dmarc.%s (of %d TXT)' % (len(dmarc), task['domain'], len(records))}
    tags = {}
    for part in dmarc[0].split(';'):
        part = part.strip()
        if not part:
            continue
        if '=' not in part:
            return {'ok': False, 'why': 'not a tag=value pair: %r' % part}
        k, v = (x.strip() for x in part.split('=', 1))
        k = k.lower()
        if k in tags:
            return {'ok': False, 'why': 'tag %s twice' % k}
        if k in DMARC_VALUES and not DMARC_VALUES[k].match(v):
            return {'ok': False, 'why': 'bad value %s=%s' % (k, v)}
        tags[k] = v
    if 'p' not in tags:
        return {'ok': False, 'why': 'no p= (a record without a policy is p=none at best)'}
    if 'pct' in tags and int(tags['pct']) > 100:
        return {'ok': False, 'why': 'pct above 100'}
    return {'ok': True, 'tags': tags}


JUDGES = {'spf': judge_spf, 'dkim': judge_dkim, 'dmarc': judge_dmarc}


def run_job(job):
    db = load(job['records'])
    out = []
    for task in job['tasks']:
        try:
            out.append(JUDGES[task['kind']](db, task))
        except Exception as err:  # a tool failure is a judgement too: report it, never hide it
            out.append({'ok': False, 'result': 'exception', 'why': '%s: %s' % (type(err).__name__, err)})
    return out


def main():
    json.dump([run_job(job) for job in json.load(sys.stdin)['jobs']], sys.stdout)


if __name__ == '__main__':
    main()
