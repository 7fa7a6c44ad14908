// Training controls: faults and time scale for the simulated rack, refused by the server (and
// hidden here) when it drives the real instruments.

import { openChannel, setConnectionBadge } from './channel.js';

const logEl = document.getElementById('log');
const error = document.getElementById('error');

function log(text, kind = '') {
  const line = document.createElement('div');
  line.className = kind;
  line.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  logEl.prepend(line);
}

async function send(command) {
  error.textContent = '';
  const res = await fetch('/api/training', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
  const result = await res.json();
  if (result.ok) log(`done: ${JSON.stringify(command)}`, 'ok');
  else {
    error.textContent = result.error;
    log(`refused: ${result.error}`, 'error');
  }
}

async function start() {
  const status = await (await fetch('/api/status')).json();
  if (!status.training) {
    document.querySelector('main').innerHTML = '<section class="card">Training controls exist only when the server runs the simulated rack.</section>';
    return;
  }
  document.getElementById('scale').value = String(status.time_scale);
  for (const button of document.querySelectorAll('button[data-command]')) {
    button.addEventListener('click', () => send(JSON.parse(button.dataset.command)));
  }
  document.getElementById('apply-scale').addEventListener('click', () => send({ cmd: 'time_scale', value: Number(document.getElementById('scale').value) }));
  openChannel({
    observe: true,
    onState: setConnectionBadge,
    onMessage: (m) => {
      if (m.type === 'event' && m.event_type === 'inspect' && m.kind === 'snapshot' && m.actor?.startsWith('voltmeter-divider-1') && m.status === 'done') log(`${m.actor} failed`, 'error');
      if (m.type === 'reply') log(`error ${m.error_code}: ${m.description}`, 'error');
    },
  });
}

start();
