// The audit trail: bounded, each command's entry completed by its answer, repeated refusals
// folded into one entry and one log line, and the live feed told of every change.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuditTrail, type AuditEntry } from '../../src/kit/access/audit-trail.js';
import pino from 'pino';

function trail(capacity = 5) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let now = 1000;
  const logger = pino({ level: 'debug', base: undefined }, sink);
  const changed: AuditEntry[] = [];
  const audit = new AuditTrail(capacity, () => now, logger, (e) => changed.push({ ...e }));
  return { audit, lines, changed, tick: (ms: number) => (now += ms) };
}

const record = (action: string, client = 'c1') => ({ connector: 'tcp', client, address: '127.0.0.1', label: null, action, command: { voltage: 1 } });

describe('AuditTrail', () => {
  it('records a command as pending, and its answer completes it', () => {
    const { audit, lines, changed, tick } = trail();
    const entry = audit.accepted(record('set_voltage block 1 to 100 V'));
    tick(250);
    audit.settle({ connector: 'tcp', client: 'c1', audit: entry.id }, { type: 'answer', answer_type: 'set_voltage', status: 'ok' });
    expect(audit.list()).toEqual([
      expect.objectContaining({ id: entry.id, at: 1000, outcome: 'ok', answered_at: 1250, detail: null, code: null, count: 1 }),
    ]);
    expect(changed.map((e) => e.outcome)).toEqual(['pending', 'ok']);
    expect(lines.map((l) => l.msg)).toEqual(['audit: 127.0.0.1 (tcp) set_voltage block 1 to 100 V: accepted', 'audit: 127.0.0.1 (tcp) set_voltage block 1 to 100 V: ok']);
  });

  it('an error reply completes it with its code and sentence; an origin with no entry changes nothing', () => {
    const { audit } = trail();
    const entry = audit.accepted(record('set_voltage block 2 to 5 V'));
    audit.settle({ connector: 'tcp', client: 'c1' }, { type: 'reply', error_code: 6 });
    expect(audit.list()[0]!.outcome).toBe('pending');
    audit.settle({ connector: 'tcp', client: 'c1', audit: entry.id }, { type: 'reply', error_code: 6, description: 'block 2: the output failed' });
    audit.settle({ connector: 'tcp', client: 'c1', audit: entry.id }, { type: 'answer', status: 'ok' });
    expect(audit.list()[0]).toMatchObject({ outcome: 'error', code: 6, detail: 'block 2: the output failed' });
  });

  it('keeps the newest entries only', () => {
    const { audit } = trail(3);
    for (let i = 1; i <= 5; i++) audit.accepted(record(`command ${i}`));
    expect(audit.list().map((e) => e.action)).toEqual(['command 3', 'command 4', 'command 5']);
  });

  it('folds repeated refusals into one entry and one log line; the total is logged when the fold closes', () => {
    const { audit, lines, tick } = trail();
    expect(audit.refused('command|c9', record('set_voltage block 1 to 5000 V', 'c9'), 'no control', 9)).toBe(true);
    for (let i = 0; i < 99; i++) {
      tick(10);
      expect(audit.refused('command|c9', record('set_voltage block 1 to 5000 V', 'c9'), 'no control', 9)).toBe(false);
    }
    expect(audit.list()).toEqual([expect.objectContaining({ outcome: 'refused', code: 9, count: 100, at: 1000, last_at: 1990 })]);
    expect(lines).toHaveLength(1);
    audit.closeFold('command|c9');
    expect(lines[1]).toMatchObject({ level: 40, count: 100, msg: 'audit: 127.0.0.1 (tcp): 100 requests refused in all, the last one at 1970-01-01T00:00:01.990Z' });
    // A new refusal after the fold closed is a new entry.
    audit.refused('command|c9', record('again', 'c9'), 'no control', 9);
    expect(audit.list()).toHaveLength(2);
  });

  it('a loop of refusals tells the live feed of the first few, then of every hundredth', () => {
    const { audit, changed } = trail();
    for (let i = 0; i < 1000; i++) audit.refused('k', record('x'), 'no');
    expect(changed.map((e) => e.count)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });

  it('a fold whose entry left the feed starts a new entry', () => {
    const { audit } = trail(2);
    audit.refused('k', record('refused'), 'no');
    audit.accepted(record('a'));
    audit.accepted(record('b'));
    audit.refused('k', record('refused'), 'no');
    expect(audit.list().map((e) => [e.action, e.count])).toEqual([
      ['b', 1],
      ['refused', 1],
    ]);
  });
});
