/**
 * DNS faults, seen by BIND's dig on the lab DNS and by the lab's own MTA: SERVFAIL, NXDOMAIN
 * and silence exactly as often as armed through PUT /api/faults, and an outage that defers
 * mail until the DNS answers again.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { useFaultsLab } from '../helpers/faultsLab.js';
import { api, submit } from '../helpers/world.js';

const { lab, log, arm, settled } = useFaultsLab();

describe('DNS faults', () => {
  const digAt = (...args: string[]) => run('dig', ['@127.0.0.1', '-p', String(lab().dnsPort), ...args]);

  it('SERVFAIL once, then the real answer; NXDOMAIN with the zone SOA; a timeout is silence', async () => {
    await arm([{ kind: 'dns', name: 'example.com', type: 'MX', rcode: 'SERVFAIL', fire: { times: 1 } }]);
    expect((await digAt('example.com', 'MX')).stdout).toMatch(/status: SERVFAIL/);
    const second = await digAt('example.com', 'MX');
    expect(second.stdout).toMatch(/status: NOERROR/);
    expect(second.stdout).toMatch(/example\.com\.\s+\d+\s+IN\s+MX\s+10 mail\.example\.com\./);
    await arm([{ kind: 'dns', name: 'mail.example.com', type: 'A', rcode: 'NXDOMAIN' }]);
    const nx = await digAt('mail.example.com', 'A');
    expect(nx.stdout).toMatch(/status: NXDOMAIN/);
    expect(nx.stdout).toMatch(/AUTHORITY SECTION:\nexample\.com\.\s+\d+\s+IN\s+SOA/);
    // Another type of the same name is not affected.
    expect((await digAt('mail.example.com', 'TXT')).stdout).toMatch(/status: NOERROR/);
    await arm([{ kind: 'dns', name: 'example.com', type: '*', rcode: 'TIMEOUT' }]);
    const silent = await digAt('+time=1', '+tries=1', 'example.com', 'SOA');
    expect(silent.stdout).toMatch(/timed out/);
    expect(silent.stdout).not.toMatch(/status:/);
    await arm([]);
    expect((await digAt('example.com', 'SOA')).stdout).toMatch(/status: NOERROR/);
  });

  it("a DNS outage defers the lab MTA's mail (try again), and it is delivered once the DNS answers", async () => {
    await arm([{ kind: 'dns', name: 'otherdomain.com', type: 'MX', rcode: 'SERVFAIL' }]);
    await submit(lab(), { to: ['carol@otherdomain.com'], subject: 'dns outage' });
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(
      /dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=otherdomain\.com type=MX: Host not found, try again\)/,
    );
    await settled();
    const dig = await api<{ status: string }>(lab(), 'GET', '/api/dig?name=otherdomain.com&type=MX');
    expect(dig.body.status).toBe('SERVFAIL');
    await arm([]);
    await api(lab(), 'POST', '/api/queue/flush');
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
  });
});
