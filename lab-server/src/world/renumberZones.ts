/**
 * Labs made before the lab network moved from the private 192.168.1.0/24 (RFC 1918) to the
 * documentation range 192.0.2.0/24 (RFC 5737) keep zone files with the old addresses, which
 * the lab's MTAs would now take for addresses outside the lab. When such a sandbox is opened,
 * its zones are renumbered: host numbers stay (192.168.1.100 becomes 192.0.2.100), so the
 * learner's own records keep their meaning, and the old reverse zone takes the new name.
 */
import { LAB_NETWORK } from './network.js';
import type { Sandbox } from './sandbox.js';
import { readZoneText, removeZoneFile, writeZoneText, zoneNames } from './zoneStore.js';

const OLD_REVERSE_ZONE = '1.168.192.in-addr.arpa';
const OLD_ADDRESS = /\b192\.168\.1\.(?=\d)/g;
const OLD_REVERSE_NAME = /\b1\.168\.192\.in-addr\.arpa\b/gi;

/** A zone's text with the old network's addresses and reverse-zone name replaced. */
function renumberedZoneText(text: string): string {
  return text.replace(OLD_ADDRESS, LAB_NETWORK.prefix).replace(OLD_REVERSE_NAME, LAB_NETWORK.reverseZone);
}

/** Renumbers the zones of a sandbox still on the old network; does nothing for any other. */
export async function renumberZones(sandbox: Sandbox): Promise<void> {
  for (const name of await zoneNames(sandbox)) {
    const text = await readZoneText(sandbox, name);
    if (text === undefined) continue;
    const renumbered = renumberedZoneText(text);
    const newName = name === OLD_REVERSE_ZONE ? LAB_NETWORK.reverseZone : name;
    if (renumbered === text && newName === name) continue;
    // The new file first: a crash in between leaves the old one, renumbered again next time.
    await writeZoneText(sandbox, newName, renumbered);
    if (newName !== name) await removeZoneFile(sandbox, name);
  }
}
