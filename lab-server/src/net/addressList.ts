/**
 * A list of IP addresses and CIDR ranges, IPv4 and IPv6 ("127.0.0.1,10.0.0.0/8,::1"), for
 * --trust-proxy. IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) match their IPv4 entries.
 */
import { BlockList, isIP } from 'node:net';

export class AddressListError extends Error {}

/** "::ffff:10.1.2.3" -> "10.1.2.3"; other addresses unchanged. */
export function plainAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

export class AddressList {
  private readonly blocks = new BlockList();

  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits, extra] = entry.trim().split('/');
      const family = isIP(address);
      const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
      if (!family || extra !== undefined || !/^\d*$/.test(bits ?? '') || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        throw new AddressListError(`"${entry}" is not an IP address or a range like 10.0.0.0/8 or fd00::/8`);
      }
      this.blocks.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  }

  /** Parses "a,b,c" (spaces allowed). */
  static parse(spec: string): AddressList {
    return new AddressList(spec.split(',').map((s) => s.trim()).filter(Boolean));
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && this.blocks.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}
