// A block card's command form: set_voltage or set_voltage_and_check, refused here before sending
// when the voltage is out of the block's range or not a number; and HV off (0 V) after a
// confirmation. What happened to the command shows under the form.

/** Wires the form in `card` for `block`; `send(command)` returns false when not connected. */
export function wireCommandForm(card, block, { send, note }) {
  const form = card.querySelector('form.command');
  const error = form.querySelector('.form-error');
  const { min_volts: min, max_volts: max } = block;
  card.querySelector('.range').textContent = `range ${min} to ${max} V`;
  form.voltage.min = String(min);
  form.voltage.max = String(max);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    const voltage = Number(form.voltage.value);
    const maxError = Number(form.max_error.value);
    const timeout = Number(form.timeout.value);
    if (form.voltage.value.trim() === '' || !Number.isFinite(voltage)) return (error.textContent = 'Enter the voltage as a number of volts.');
    if (voltage < min || voltage > max) return (error.textContent = `${voltage} V is outside block ${block.id}'s range, ${min} to ${max} V: not sent.`);
    const command = { type: 'command', command_type: form.kind.value, block: String(block.id), voltage };
    if (form.kind.value === 'set_voltage_and_check') {
      if (!(maxError > 0) || !(timeout > 0)) return (error.textContent = 'Max error and timeout must be numbers above 0.');
      Object.assign(command, { max_error: maxError, timeout });
    }
    if (!send(command)) return (error.textContent = 'Not connected: not sent.');
    note(`sent ${command.command_type} block ${block.id} ${voltage} V`);
  });
  form.querySelector('.hv-off').addEventListener('click', () => {
    if (!confirm(`Set block ${block.id} to 0 V?`)) return;
    if (send({ type: 'command', command_type: 'set_voltage', block: String(block.id), voltage: 0 })) note(`sent HV off (0 V) for block ${block.id}`);
  });
}

/** The command form's markup (fixed text only). */
export const COMMAND_FORM = `
  <form class="command" novalidate>
    <label>voltage (V)<input name="voltage" type="number" step="any" required inputmode="decimal"></label>
    <label>command<select name="kind"><option value="set_voltage_and_check">set and check</option><option value="set_voltage">set</option></select></label>
    <label>max error (V)<input name="max_error" type="number" step="any" value="0.1" inputmode="decimal"></label>
    <label>timeout (s)<input name="timeout" type="number" step="any" value="20" inputmode="decimal"></label>
    <button type="submit">Send</button>
    <button type="button" class="danger hv-off">HV off</button>
    <div class="form-error" role="alert"></div>
    <div class="form-status muted" aria-live="polite"></div>
    <div class="muted range"></div>
  </form>`;
