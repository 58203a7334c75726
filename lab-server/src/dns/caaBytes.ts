/**
 * CAA values as bytes. dns-packet writes a CAA value as UTF-8 text and reads it back as text, so
 * a value that is no UTF-8 ("\255", which BIND serves as the byte ff) went out as U+FFFD (ef bf
 * bd). The lab's answers carry the value's bytes beside its text (valueBytes): a CAA whose bytes
 * are no UTF-8 goes on the wire as its raw data, and a decoded message gets each value's bytes
 * back from the wire, for the terminal's dig to print as BIND does.
 */
import dnsPacket, { type Answer, type CaaData, type Packet } from 'dns-packet';

/** A CAA record's data with the value's bytes as served. */
export type CaaBytes = CaaData & { valueBytes?: Buffer };

/** dns-packet's name codec (its types leave it out). */
const names = (dnsPacket as unknown as { name: { decode: ((buf: Buffer, offset: number) => string) & { bytes: number } } }).name;

const isUtf8 = (bytes: Buffer): boolean => Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);

/** The answer as dns-packet writes it byte for byte: a CAA whose value is no UTF-8 as raw type 257 data. */
export function wireReady(a: Answer): Answer {
  if (a.type !== 'CAA') return a;
  const { flags, tag, valueBytes } = a.data as CaaBytes;
  if (!valueBytes || isUtf8(valueBytes)) return a;
  const tagBytes = Buffer.from(tag, 'utf8');
  const data = Buffer.concat([Buffer.from([(flags ?? 0) & 0xff, tagBytes.length]), tagBytes, valueBytes]);
  return { ...a, type: 'UNKNOWN_257', data } as unknown as Answer;
}

/** A message decoded by dns-packet, each CAA value's bytes (valueBytes) read from the wire as they came. */
export function decodeMessage(buf: Buffer): Packet {
  const packet = dnsPacket.decode(buf);
  let offset = 12;
  for (let i = 0; i < (packet.questions?.length ?? 0); i++) {
    names.decode(buf, offset);
    offset += names.decode.bytes + 4;
  }
  for (const list of [packet.answers, packet.authorities, packet.additionals]) {
    for (const a of list ?? []) {
      names.decode(buf, offset);
      // After the owner: type, class, TTL (8 bytes), then the data's length and the data.
      const start = offset + names.decode.bytes + 10;
      const length = buf.readUInt16BE(start - 2);
      if (a.type === 'CAA') (a.data as CaaBytes).valueBytes = Buffer.from(buf.subarray(start + 2 + buf[start + 1]!, start + length));
      offset = start + length;
    }
  }
  return packet;
}
