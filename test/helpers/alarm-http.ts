// The alarm routes as a script or a stray page would call them: another Origin, text/plain,
// another local address (node:http sends whatever headers it is given, unlike fetch).

import { request } from 'node:http';
import type { AlarmEntry } from '../../src/kit/alarms/alarm-entry.js';

export interface AlarmPost {
  origin?: string;
  localAddress?: string;
  contentType?: string;
}

export function alarmPost(port: number, path: string, body: unknown, how: AlarmPost = {}): Promise<{ status: number | undefined; body: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': how.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(text)) };
  if (how.origin) headers.origin = how.origin;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, localAddress: how.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

export async function alarmList(port: number): Promise<{ alarms: AlarmEntry[]; unacknowledged: Record<string, number> }> {
  return (await (await fetch(`http://127.0.0.1:${port}/api/alarms`)).json()) as never;
}
