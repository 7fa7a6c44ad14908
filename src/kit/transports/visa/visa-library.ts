// The vendor VISA library through koffi: the functions the drivers need, with VISA's own widths
// (ViStatus signed 32-bit, ViSession 32-bit, ViAttrState 64-bit on 64-bit systems), each called
// asynchronously on koffi's worker threads so a blocking GPIB read never stalls the event loop.

import { createRequire } from 'node:module';
import type koffi from 'koffi';
import { TransportError } from '../transport.js';

type KoffiFunction = koffi.KoffiFunction;

/** Where each vendor installs its library, in the order they are tried. */
export function visaLibraryCandidates(platform = process.platform, arch = process.arch): string[] {
  if (platform === 'win32') return arch === 'ia32' ? ['visa32.dll'] : ['visa64.dll', 'visa32.dll'];
  if (platform === 'darwin') return ['/Library/Frameworks/VISA.framework/VISA'];
  return [
    'libvisa.so.7', // NI-VISA
    'libvisa.so',
    'libiovisa.so', // Keysight IO Libraries
    '/opt/keysight/iolibs/libiovisa.so',
    'librsvisa.so', // Rohde & Schwarz
    '/usr/lib/librsvisa.so',
  ];
}

/** koffi (7 MB of native code) is loaded with the first VISA instrument, not with every server. */
function loadKoffi(): typeof koffi {
  return createRequire(import.meta.url)('koffi') as typeof koffi;
}

function callAsync(fn: KoffiFunction, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, status: number) => (err ? reject(err as Error) : resolve(status)));
  });
}

export class VisaLibrary {
  readonly path: string;
  private readonly fn: Record<'openDefaultRM' | 'open' | 'close' | 'write' | 'read' | 'setAttribute' | 'clear' | 'statusDesc', KoffiFunction>;
  private resourceManager: Promise<number> | null = null;

  private constructor(path: string, lib: koffi.IKoffiLib) {
    this.path = path;
    // 32-bit Windows VISA uses __stdcall (_VI_FUNC); everywhere else the C convention.
    const cc = process.platform === 'win32' && process.arch === 'ia32' ? '__stdcall ' : '';
    const attrState = process.arch === 'ia32' || process.arch === 'arm' ? 'uint32_t' : 'uint64_t';
    this.fn = {
      openDefaultRM: lib.func(`int32_t ${cc}viOpenDefaultRM(_Out_ uint32_t *vi)`),
      open: lib.func(`int32_t ${cc}viOpen(uint32_t rm, const char *name, uint32_t mode, uint32_t timeout, _Out_ uint32_t *vi)`),
      close: lib.func(`int32_t ${cc}viClose(uint32_t vi)`),
      write: lib.func(`int32_t ${cc}viWrite(uint32_t vi, const uint8_t *buf, uint32_t count, _Out_ uint32_t *written)`),
      read: lib.func(`int32_t ${cc}viRead(uint32_t vi, _Out_ uint8_t *buf, uint32_t count, _Out_ uint32_t *read)`),
      setAttribute: lib.func(`int32_t ${cc}viSetAttribute(uint32_t vi, uint32_t attribute, ${attrState} value)`),
      clear: lib.func(`int32_t ${cc}viClear(uint32_t vi)`),
      statusDesc: lib.func(`int32_t ${cc}viStatusDesc(uint32_t vi, int32_t status, _Out_ uint8_t *desc)`),
    };
  }

  /** Loads `path`, or the first vendor library found; `resource` names what needed it, for the error. */
  static load(path: string | null, resource: string): VisaLibrary {
    const tried = path ? [path] : visaLibraryCandidates();
    const failures: string[] = [];
    for (const candidate of tried) {
      try {
        return new VisaLibrary(candidate, loadKoffi().load(candidate));
      } catch (err) {
        // The loader's own reason only for a library named in the config: for the usual places it
        // is "not found" each time, and repeating it made a warning of a thousand characters.
        failures.push(path ? `${candidate} (${(err as Error).message.split('\n')[0]!.slice(0, 160)})` : candidate);
      }
    }
    throw new TransportError(
      'not-found',
      resource,
      path
        ? `the VISA library ${failures.join(', ')} could not be loaded; fix instruments.visa_library`
        : `no VISA library found (tried ${failures.join(', ')}); install the vendor's VISA or set instruments.visa_library`,
    );
  }

  /** The default resource manager session, opened once per library. */
  defaultRM(): Promise<number> {
    this.resourceManager ??= (async () => {
      const vi = [0];
      const status = await callAsync(this.fn.openDefaultRM, vi);
      if (status < 0) {
        this.resourceManager = null;
        throw new Error(`viOpenDefaultRM failed with status ${status}`);
      }
      return vi[0]!;
    })();
    return this.resourceManager;
  }

  async open(rm: number, name: string, timeoutMs: number): Promise<{ status: number; vi: number }> {
    const vi = [0];
    const status = await callAsync(this.fn.open, rm, name, 0, timeoutMs, vi);
    return { status, vi: vi[0]! };
  }

  close(vi: number): Promise<number> {
    return callAsync(this.fn.close, vi);
  }

  async write(vi: number, data: Buffer): Promise<{ status: number; written: number }> {
    const written = [0];
    const status = await callAsync(this.fn.write, vi, data, data.length, written);
    return { status, written: written[0]! };
  }

  async read(vi: number, count: number): Promise<{ status: number; data: Buffer }> {
    const buffer = Buffer.alloc(count);
    const read = [0];
    const status = await callAsync(this.fn.read, vi, buffer, count, read);
    return { status, data: buffer.subarray(0, read[0]!) };
  }

  setAttribute(vi: number, attribute: number, value: number): Promise<number> {
    return callAsync(this.fn.setAttribute, vi, attribute, value);
  }

  clear(vi: number): Promise<number> {
    return callAsync(this.fn.clear, vi);
  }

  /** The vendor's own sentence for a status code. */
  async describe(vi: number, status: number): Promise<string> {
    const text = Buffer.alloc(256);
    await callAsync(this.fn.statusDesc, vi, status, text);
    const end = text.indexOf(0);
    return text.subarray(0, end === -1 ? text.length : end).toString('latin1');
  }
}
