// alarms.repeat_minutes and alarms.notify: their defaults (nothing is sent until a receiver is
// named), a full configuration read as written, and a bad receiver refused at load with one
// sentence naming the key and the value (a URL's secret path and password left out).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/hv/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hv-notify-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${++n}.yaml`);
  writeFileSync(path, text);
  return path;
}
const load = (yaml: string) => loadConfig({ config: file(yaml) });

describe('alarms.notify configuration', () => {
  it('defaults: no receivers, repeats every 30 min, no clears, a 1 s window, 500 waiting at most', () => {
    const { alarms } = loadConfig();
    expect(alarms.repeat_minutes).toBe(30);
    expect(alarms.notify).toEqual({ webhooks: [], email: null, on_clear: false, group_seconds: 1, queue_limit: 500, timeout_s: 10, retry_initial_s: 1, retry_max_s: 60 });
  });

  it('reads webhooks (json by default) and e-mail as written', () => {
    const c = load(
      [
        'alarms:',
        '  repeat_minutes: 15',
        '  notify:',
        '    webhooks:',
        '      - url: https://chat.lab.example/hooks/abc',
        '        format: slack',
        '      - url: http://10.0.0.9:8088/alarms',
        '    email:',
        '      server: smtp://mail.lab.example:25',
        '      from: HV rack <hv@lab.example>',
        '      to: [shift@lab.example]',
        '    on_clear: true',
        '',
      ].join('\n'),
    );
    expect(c.alarms.repeat_minutes).toBe(15);
    expect(c.alarms.notify.webhooks).toEqual([
      { url: 'https://chat.lab.example/hooks/abc', format: 'slack' },
      { url: 'http://10.0.0.9:8088/alarms', format: 'json' },
    ]);
    expect(c.alarms.notify.email).toEqual({ server: 'smtp://mail.lab.example:25', from: 'HV rack <hv@lab.example>', to: ['shift@lab.example'] });
    expect(c.alarms.notify.on_clear).toBe(true);
  });

  it.each([
    ['a webhook that is not http(s)', 'alarms:\n  notify:\n    webhooks: [{ url: "ftp://files.lab.example/x" }]\n', /key 'alarms\.notify\.webhooks\[0\]\.url' is "ftp:\/\/files\.lab\.example\/x"; expected an http:\/\/ or https:\/\/ URL with a host/],
    ['a webhook URL that does not parse', 'alarms:\n  notify:\n    webhooks: [{ url: "http://lab example/x" }]\n', /^configuration: key 'alarms\.notify\.webhooks\[0\]\.url' is "http:\/\/lab example\/x", which is not a URL; expected an http:\/\/ or https:\/\/ URL with a host$/],
    ['a webhook on a port fetch blocks', 'alarms:\n  notify:\n    webhooks: [{ url: "http://10.0.0.9:6666/secret" }]\n', /^configuration: key 'alarms\.notify\.webhooks\[0\]\.url' is "http:\/\/10\.0\.0\.9:6666\/…", whose port 6666 is one fetch never connects to/],
    ['an unknown format', 'alarms:\n  notify:\n    webhooks: [{ url: "http://10.0.0.9/x", format: teams }]\n', /key 'alarms\.notify\.webhooks\[0\]\.format' is "teams"; expected json: the notification as JSON/],
    ['e-mail with no recipient', 'alarms:\n  notify:\n    email: { server: "smtp://mail.lab.example", from: hv@lab.example, to: [] }\n', /key 'alarms\.notify\.email\.to' is \[\]; expected a list of at least one recipient address/],
    ['e-mail with no sender', 'alarms:\n  notify:\n    email: { server: "smtp://mail.lab.example", to: [a@lab.example] }\n', /key 'alarms\.notify\.email\.from' is missing; expected the sender's address/],
    ['e-mail with no server', 'alarms:\n  notify:\n    email: { from: hv@lab.example, to: [a@lab.example] }\n', /key 'alarms\.notify\.email\.server' is missing; expected an SMTP server URL/],
    ['a recipient that is no address', 'alarms:\n  notify:\n    email: { server: "smtp://mail.lab.example", from: hv@lab.example, to: [shift] }\n', /key 'alarms\.notify\.email\.to\[0\]' is "shift"; expected an e-mail address/],
    ['an SMTP server URL that is not smtp(s)', 'alarms:\n  notify:\n    email: { server: "http://mail.lab.example", from: hv@lab.example, to: [a@lab.example] }\n', /key 'alarms\.notify\.email\.server' is "http:\/\/mail\.lab\.example"; expected an SMTP server URL/],
    ['an SMTP URL that does not parse (its password not repeated)', 'alarms:\n  notify:\n    email: { server: "smtp://hv:s3cret@mail lab", from: hv@lab.example, to: [a@lab.example] }\n', /^configuration: key 'alarms\.notify\.email\.server' is "smtp:\/\/…@mail lab", which is not a URL/],
    ['retries that do not agree', 'alarms:\n  notify:\n    retry_initial_s: 120\n', /^configuration: key 'alarms\.notify\.retry_initial_s' is 120; expected at most retry_max_s \(60\)$/],
  ])('%s is refused at load, naming the value', (_, yaml, message) => {
    expect(() => load(yaml)).toThrow(message);
  });

  it('a webhook URL with credentials or a token path is not repeated in the refusal', () => {
    expect(() => load('alarms:\n  notify:\n    webhooks: [{ url: "https://hooks.lab.example:10080/services/T0/B0/XXXX" }]\n')).toThrow(
      'configuration: key \'alarms.notify.webhooks[0].url\' is "https://hooks.lab.example:10080/…", whose port 10080 is one fetch never connects to (the Fetch standard\'s bad ports); expected another port',
    );
  });
});
