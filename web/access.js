// What this page may do (GET /api/session), with the control token form when its address alone
// does not give control. Every server string goes in with textContent.

/** Shows the page's rights, and the token form when a token would give it more; answers the session (null when the server did not). */
export async function showAccess() {
  const res = await fetch('/api/session');
  if (!res.ok) return null;
  const s = await res.json();
  const how = s.via === 'token' ? `by token${s.label ? ` (${s.label})` : ''}` : `by address ${s.address}`;
  const state = document.getElementById('access-state');
  state.textContent = s.control ? `this page may set voltages, ${how}` : `this page may only watch (${s.address})`;
  state.dataset.control = String(s.control);
  const form = document.getElementById('token-form');
  form.hidden = !s.tokens || (s.control && s.via !== 'token');
  form.querySelector('.take').hidden = s.control;
  form.querySelector('.drop').hidden = s.via !== 'token';
  return s;
}

/** Wires the token form; `changed` runs after the page's rights changed (the channel must reconnect to get them). */
export function wireTokenForm(changed) {
  const form = document.getElementById('token-form');
  const error = form.querySelector('.form-error');
  const send = async (token) => {
    error.textContent = '';
    const res = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const result = await res.json();
    if (!result.ok) error.textContent = result.error;
    form.token.value = '';
    await showAccess();
    changed();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (form.token.value.trim() === '') return (error.textContent = 'Enter the control token.');
    send(form.token.value.trim()).catch(() => (error.textContent = 'The server cannot be reached.'));
  });
  form.querySelector('.drop').addEventListener('click', () => send(null).catch(() => {}));
}
