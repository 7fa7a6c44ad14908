// VISA status codes the binding acts on (VPP-4.3, visa.h), and what each means for a transport.

import type { TransportErrorCode } from '../transport.js';

/** ViStatus is signed 32-bit: errors are negative. */
const signed = (code: number) => code | 0;

export const VI = {
  SUCCESS: 0,
  SUCCESS_TERM_CHAR: 0x3fff0005,
  SUCCESS_MAX_CNT: 0x3fff0006,
  ERROR_RSRC_NFOUND: signed(0xbfff0011),
  ERROR_INV_RSRC_NAME: signed(0xbfff0012),
  ERROR_TMO: signed(0xbfff0015),
  ERROR_NLISTENERS: signed(0xbfff005f),
  ERROR_NCIC: signed(0xbfff0060),
  ERROR_CONN_LOST: signed(0xbfff00a6),
  ATTR_TERMCHAR: 0x3fff0018,
  ATTR_TERMCHAR_EN: 0x3fff0038,
  ATTR_TMO_VALUE: 0x3fff001a,
  ATTR_SEND_END_EN: 0x3fff0016,
} as const;

export function errorCodeFor(status: number): TransportErrorCode {
  switch (status) {
    case VI.ERROR_TMO:
      return 'timeout';
    case VI.ERROR_RSRC_NFOUND:
    case VI.ERROR_INV_RSRC_NAME:
    case VI.ERROR_NLISTENERS: // nobody at that GPIB address
      return 'not-found';
    case VI.ERROR_CONN_LOST:
      return 'closed';
    default:
      return 'io';
  }
}
