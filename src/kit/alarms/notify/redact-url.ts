// A receiver's URL as status pages and messages may show it: a webhook's path often is its secret
// (Slack's /services/T…/B…/…, Mattermost's /hooks/…) and an SMTP URL may carry a password, so only
// the scheme, host and port are shown.

/** `https://hooks.slack.com/…` from `https://hooks.slack.com/services/T0/B0/XXXX`; the text unchanged when it is not a URL. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL, but it may still carry a user and password before an @.
    const shown = text.replace(/\/\/[^/@]*@/, '//…@');
    return shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
  }
  const hidden = url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash;
  return `${url.protocol}//${url.host}${hidden ? '/…' : ''}`;
}
