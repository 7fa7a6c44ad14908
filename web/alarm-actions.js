// What a person does with an alarm, over HTTP: acknowledge (one, or all), shelve, unshelve. Each
// takes control; the server's refusal comes back as its own sentence, for the page to show.

/** POSTs `body` to /api/alarms/<action>: {ok: true} or {ok: false, error: the server's sentence}. */
export async function alarmAction(action, body) {
  let res;
  try {
    res = await fetch(`/api/alarms/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    return { ok: false, error: 'The server cannot be reached: nothing was done.' };
  }
  let answer = null;
  try {
    answer = await res.json();
  } catch {
    // Not JSON: a proxy's page, say. The status says enough.
  }
  if (res.ok && answer?.ok) return { ok: true, answer };
  return { ok: false, error: typeof answer?.error === 'string' ? answer.error : `the server answered HTTP ${res.status}` };
}
