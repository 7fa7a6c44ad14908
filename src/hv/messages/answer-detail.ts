// What a block's answer says, short, for the audit trail: the voltage read and its error, in
// millivolts (what the operator reads off the page; the log's answer line keeps every digit).
export function answerDetail(message: Record<string, unknown>): string | null {
  if (typeof message.voltage !== 'number') return null;
  return `read ${message.voltage.toFixed(3)} V${typeof message.error === 'number' ? `, error ${message.error.toFixed(3)} V` : ''}`;
}
