// A message to many clients is encoded once per form, and an unencodable one is reported once.
import { describe, expect, it } from 'vitest';
import { ClientHub, type ClientLink } from '../../src/kit/connectors/client-hub.js';
import { OutgoingMessage } from '../../src/kit/connectors/outgoing-message.js';
import { silentLogger } from '../../src/kit/log/logger.js';

describe('OutgoingMessage', () => {
  it('encodes each form once, however many clients ask', () => {
    const m = new OutgoingMessage({ type: 'answer', answer_type: 'get_voltage', block: 1, voltage: 18600.01 }, () => {});
    expect(m.envelope(1)).toBe(m.envelope(2));
    expect(m.json()).toBe(m.json());
    expect(m.json()).toBe('{"type":"answer","answer_type":"get_voltage","block":1,"voltage":18600.01}');
  });

  it('sends a message that cannot be encoded to nobody, and reports it once', () => {
    const reports: string[] = [];
    const m = new OutgoingMessage({ voltage: Number.NaN }, (_, err) => reports.push(err.message));
    expect(m.envelope(0)).toBeNull();
    expect(m.json()).toBeNull();
    expect(reports).toEqual(["field 'voltage' is NaN; expected a finite number"]);
  });

  it('is shared by every client of a broadcast', () => {
    const hub = new ClientHub(silentLogger());
    const seen: OutgoingMessage[] = [];
    const client = (id: string): ClientLink => ({ id, connector: 'tcp', remote: id, observer: false, send: (m) => seen.push(m), end: () => {}, closed: Promise.resolve() });
    for (let i = 0; i < 3; i++) hub.add(client(`c${i}`));
    hub.broadcast({ type: 'answer', answer_type: 'get_voltage', block: 1, voltage: 1 });
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
  });
});
