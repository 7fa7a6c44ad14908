// The configuration file is read and parsed once: the supervising process reads it for Online's
// port and hands its document to each server it starts (config-document.ts), the first the very
// document it read, a server started again after a crash the file as it is then. A document JSON
// would not carry unchanged, or a file that cannot be read, is left to the server to read, so it
// judges the file as it would alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileForWorkers, portToBind } from '../../src/kit/cli/supervise-if-wanted.js';
import { carriedByJson } from '../../src/kit/config/config-document.js';
import { readConfigFile } from '../../src/kit/config/read-config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-config-document-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A reader that counts its reads. */
function counting(): { read: (path: string) => Record<string, unknown>; reads: () => number } {
  let reads = 0;
  return {
    read: (path) => {
      reads++;
      return readConfigFile(path);
    },
    reads: () => reads,
  };
}

describe('carriedByJson', () => {
  it('is true where JSON.parse(JSON.stringify(v)) gives v back, false where it does not', () => {
    const same = [null, true, 'text', '\ud800 lone surrogate', 0, 1.5, -3, [], [1, 'a', null], {}, { a: { b: [1, { c: false }] } }, Object.create(null)];
    for (const v of same) {
      expect(carriedByJson(v), JSON.stringify(v)).toBe(true);
      expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    }
    // eslint-disable-next-line no-sparse-arrays
    const changed = [Infinity, -Infinity, NaN, -0, undefined, { a: undefined }, [1, , 2], { a: new Date(0) }, { a: 1n }, new Map(), { a: [NaN] }, () => 1];
    for (const v of changed) expect(carriedByJson(v), String(v)).toBe(false);
  });
});

describe('the configuration file for each server the supervising process starts', () => {
  it('gives the first server the document read for the port, without reading the file again', async () => {
    const path = join(dir, 'first.yaml');
    writeFileSync(path, 'tcp: { port: 5599 }\nlog: { console_level: warn }\n');
    const file = new FileForWorkers();
    const reader = counting();
    const where = await portToBind(['--config', path], file);
    expect(where?.port).toBe(5599);
    // portToBind used its own reader; the document it read is what the first server gets.
    const first = file.forWorker();
    expect(first).toStrictEqual({ path, document: { tcp: { port: 5599 }, log: { console_level: 'warn' } } });
    // Through a counting reader: one read for the port, none for the first server, one per restart.
    const counted = new FileForWorkers();
    const read = counted.reader(path, reader.read);
    read(path);
    expect(counted.forWorker()?.document).toStrictEqual(first!.document);
    expect(reader.reads()).toBe(1);
    writeFileSync(path, 'tcp: { port: 5600 }\n');
    expect(counted.forWorker()).toStrictEqual({ path, document: { tcp: { port: 5600 } } });
    expect(reader.reads()).toBe(2);
  });

  it('gives none where JSON would change the document, or the file cannot be read now: the server reads it itself', async () => {
    const path = join(dir, 'inf.yaml');
    writeFileSync(path, 'tcp: { port: 5601 }\ntime_scale: .inf\n');
    const file = new FileForWorkers();
    expect((await portToBind(['--config', path], file))?.port).toBe(5601);
    expect(file.forWorker()).toBeNull();
    // A restart, the file now broken: nothing thrown, nothing handed over.
    writeFileSync(path, 'tcp: [unclosed\n');
    expect(file.forWorker()).toBeNull();
    rmSync(path);
    expect(file.forWorker()).toBeNull();
  });

  it('gives none without a file, or where the command line is not understood', async () => {
    const none = new FileForWorkers();
    await portToBind(['--tcp-port', '5602'], none);
    expect(none.forWorker()).toBeNull();
    const help = new FileForWorkers();
    expect(await portToBind(['--help', '--config', join(dir, 'x.yaml')], help)).toBeNull();
    expect(help.forWorker()).toBeNull();
  });
});
