// Request targets are parsed without a throw; only origin-form paths are taken.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from '../../src/kit/web/request-target.js';

describe('parseRequestTarget', () => {
  it.each([
    ['/', '/', ''],
    ['/api/history?block=2&from=1', '/api/history', '?block=2&from=1'],
    ['//', '//', ''],
    ['//evil.example/x', '//evil.example/x', ''],
    ['/%zz', '/%zz', ''],
  ])('takes %s as path %s', (target, pathname, search) => {
    const url = parseRequestTarget(target);
    expect(url?.pathname).toBe(pathname);
    expect(url?.search).toBe(search);
    expect(url?.host).toBe('localhost');
  });

  it.each([undefined, '', '*', 'http://', 'http://x/api/status', '%zz', 'api/status'])('refuses %j', (target) => {
    expect(parseRequestTarget(target)).toBeNull();
  });

  it('never throws, and never takes another host, whatever the target', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.webUrl(), fc.string().map((s) => `/${s}`), fc.string().map((s) => `//${s}`)), (target) => {
        const url = parseRequestTarget(target);
        if (url) expect(url.host).toBe('localhost');
      }),
      { numRuns: 1000 },
    );
  });
});
