// Byte layout of the DataForge Envelope headers that Online and other writers use (PROTOCOL.md §1).

/** `#!` — start of the 30-byte header "0x00014000", the one Online reads and writes. */
export const TAGLESS_START = Buffer.from('#!', 'latin1');
/** `#~DF02` — start of the 20-byte header accepted on input. */
export const DF02_START = Buffer.from('#~DF02', 'latin1');

export const HEADER_14000 = {
  size: 30,
  type: 0x00014000,
  end: Buffer.from('!#\r\n', 'latin1'),
  offsets: { type: 2, time: 6, metaType: 10, metaLength: 14, dataType: 18, dataLength: 22, end: 26 },
} as const;

export const HEADER_DF02 = {
  size: 20,
  end: Buffer.from('~#\r\n', 'latin1'),
  offsets: { metaType: 6, metaLength: 8, dataLength: 12, end: 16 },
} as const;

export const META_TYPE = {
  undefined: 0,
  json: 0x00010000,
  qDataStream: 0x00010007,
} as const;

export const DATA_TYPE = {
  undefined: 0,
  pointDirect: 0x100,
  pointQDataStream: 0x107,
  hvBinary: 0x200,
  hvText: 0x201,
} as const;

/** Default refusal threshold for meta + data announced by one header. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export function describeMetaType(metaType: number | string): string {
  if (typeof metaType === 'string') return metaType === 'XM' ? `'XM' (XML)` : `'${metaType}'`;
  const hex = `0x${metaType.toString(16).padStart(8, '0')}`;
  return metaType === META_TYPE.qDataStream ? `${hex} (Qt QDataStream)` : hex;
}
