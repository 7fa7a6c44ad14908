// The access rules on requests as the server sees them: a browser page's origin matched exactly
// (scheme, host and port) against the server's own and the configured ones, the address rules
// for clients with no Origin, tokens, and config entries that cannot be used.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../src/kit/access/access-policy.js';
import type { AccessConfig } from '../../schemas/types.js';

const TOKEN = 'a-token-long-enough-for-the-rules';
const defaults: AccessConfig = { control: ['127.0.0.1', '::1'], monitor: null, token: TOKEN, token_file: null, origins: [], proxies: [], audit_entries: 500 };

function policy(access: Partial<AccessConfig> = {}, httpHost = '127.0.0.1'): AccessPolicy {
  const p = AccessPolicy.fromConfig({ ...defaults, ...access }, httpHost);
  if (!(p instanceof AccessPolicy)) throw new Error(p.message);
  return p;
}

/** A request as it arrives on port 8080 of `local` from `remote`. */
function request(headers: Record<string, string>, remote = '127.0.0.1', local = '127.0.0.1', port = 8080): IncomingMessage {
  return { headers, socket: { remoteAddress: remote, localAddress: local, localPort: port } } as unknown as IncomingMessage;
}

describe('the origin of a page that acts', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://localhost:8080',
    'http://[::1]:8080',
  ])('%s, the server’s own, is accepted', (origin) => {
    expect(policy().forRequest(request({ origin }), true)).toMatchObject({ ok: true });
  });

  it.each([
    'http://127.0.0.1.evil.example',
    'http://127.0.0.1.evil.example:8080',
    'http://localhost.evil.example:8080',
    'http://evil.example',
    'http://127.0.0.1:8081',
    'http://127.0.0.1',
    'https://127.0.0.1:8080',
    'ws://127.0.0.1:8080',
    'null',
    '',
  ])('%j is refused with a sentence naming it', (origin) => {
    const verdict = policy().forRequest(request({ origin }), true);
    expect(verdict).toMatchObject({ ok: false, kind: 'origin', reason: `a page from ${JSON.stringify(origin)} may not act on this server; expected one of its own origins (or one listed in access.origins)` });
  });

  it('is not checked on a read: a GET of /api/status from anywhere answers (a browser keeps the answer from a foreign page)', () => {
    expect(policy().forRequest(request({ origin: 'http://evil.example' }), false)).toMatchObject({ ok: true });
  });

  it('port 80 is written without it, as browsers do', () => {
    expect(policy().forRequest(request({ origin: 'http://127.0.0.1' }, '127.0.0.1', '127.0.0.1', 80), true)).toMatchObject({ ok: true });
  });

  it('the configured host and the address the request arrived at are own origins; a wildcard bind is none', () => {
    expect(policy({}, 'hvpc.lab').forRequest(request({ origin: 'http://hvpc.lab:8080' }), true)).toMatchObject({ ok: true });
    const lan = request({ origin: 'http://192.168.1.5:8080' }, '192.168.1.20', '::ffff:192.168.1.5');
    expect(policy({ monitor: null }, '0.0.0.0').forRequest(lan, true)).toMatchObject({ ok: true });
    expect(policy({}, '0.0.0.0').forRequest(request({ origin: 'http://0.0.0.0:8080' }), true)).toMatchObject({ ok: false });
  });

  it('access.origins adds a reverse proxy’s public origin, whatever port the request came in on', () => {
    const p = policy({ origins: ['https://hv.lab.example', 'http://10.0.0.5:8443/'] });
    expect(p.forRequest(request({ origin: 'https://hv.lab.example' }), true)).toMatchObject({ ok: true });
    expect(p.forRequest(request({ origin: 'https://hv.lab.example:443' }), true)).toMatchObject({ ok: true });
    expect(p.forRequest(request({ origin: 'http://10.0.0.5:8443' }), true)).toMatchObject({ ok: true });
    expect(p.forRequest(request({ origin: 'http://hv.lab.example' }), true)).toMatchObject({ ok: false });
  });
});

describe('what a client may do', () => {
  it('no Origin: the address rules alone; control from access.control, monitor otherwise', () => {
    expect(policy().forRequest(request({}), true)).toMatchObject({ ok: true, grant: { address: '127.0.0.1', control: true, via: 'address' } });
    expect(policy().forRequest(request({}, '10.0.0.7'), true)).toMatchObject({ ok: true, grant: { address: '10.0.0.7', control: false, via: null } });
  });

  it('a token gives control from anywhere; a wrong one gives nothing', () => {
    expect(policy().forRequest(request({ authorization: `Bearer ${TOKEN}` }, '10.0.0.7'), true)).toMatchObject({ ok: true, grant: { control: true, via: 'token' } });
    expect(policy().forRequest(request({ cookie: `theme=dark; hv_control=${TOKEN}` }, '10.0.0.7'), true)).toMatchObject({ ok: true, grant: { control: true, via: 'token' } });
    expect(policy().forRequest(request({ authorization: 'Bearer wrong-but-long-enough-token' }, '10.0.0.7'), true)).toMatchObject({ ok: true, grant: { control: false }, tokenPresented: true });
    expect(policy().forRequest(request({ authorization: 'Basic abc' }, '10.0.0.7'), true)).toMatchObject({ ok: true, grant: { control: false } });
  });

  it('access.monitor keeps out the rest, except control addresses and token holders', () => {
    const p = policy({ monitor: ['10.0.0.0/24'] });
    expect(p.forRequest(request({}, '10.0.0.7'), false)).toMatchObject({ ok: true, grant: { control: false } });
    expect(p.forRequest(request({}, '10.0.1.7'), false)).toEqual({ ok: false, kind: 'address', address: '10.0.1.7', origin: null, reason: 'address 10.0.1.7 may not connect to this server: it is not in access.monitor' });
    expect(p.forRequest(request({}, '127.0.0.1'), false)).toMatchObject({ ok: true });
    expect(p.forRequest(request({ authorization: `Bearer ${TOKEN}` }, '10.0.1.7'), false)).toMatchObject({ ok: true, grant: { control: true } });
    expect(p.forPeer('10.0.1.7')).toBeNull();
    expect(p.forPeer('::ffff:10.0.0.9')).toEqual({ address: '10.0.0.9', control: false, via: null, label: null });
    expect(p.forPeer('::ffff:127.0.0.1')).toEqual({ address: '127.0.0.1', control: true, via: 'address', label: null });
  });

  it('an empty access.control: nobody controls by address', () => {
    expect(policy({ control: [] }).forPeer('127.0.0.1')).toMatchObject({ control: false });
  });
});

describe('config entries that cannot be used', () => {
  it.each([
    [{ control: ['127.0.0.1', 'hvpc.lab'] }, "key 'access.control[1]' is \"hvpc.lab\"; expected an IP address"],
    [{ monitor: ['10.0.0.0/40'] }, "key 'access.monitor[0]' is \"10.0.0.0/40\""],
    [{ proxies: ['proxy'] }, "key 'access.proxies[0]' is \"proxy\""],
    [{ origins: ['hv.lab.example'] }, "key 'access.origins[0]' is \"hv.lab.example\"; expected an origin such as https://hv.lab.example"],
    [{ origins: ['https://hv.lab.example/hv/'] }, "key 'access.origins[0]' is \"https://hv.lab.example/hv/\"; expected an origin"],
    [{ origins: ['ftp://hv.lab.example'] }, "key 'access.origins[0]'"],
    [{ token: 'short' }, "key 'access.token' holds a token of 5 characters"],
  ])('%j', (access, message) => {
    expect(AccessPolicy.fromConfig({ ...defaults, ...access }, '127.0.0.1')).toMatchObject({ message: expect.stringContaining(message) });
  });
});
