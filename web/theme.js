// The theme toggle in every page's header: follows the system (the default), light, or dark;
// remembered on this machine. Listeners (the plots) are told when the colours change.

const KEY = 'hv-theme';
const ORDER = ['system', 'light', 'dark'];
const LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
const listeners = [];

function chosen() {
  try {
    const t = localStorage.getItem(KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

function apply(theme) {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // Not remembered; applied all the same.
  }
  const button = document.getElementById('theme-toggle');
  if (button) {
    button.textContent = LABEL[theme];
    button.dataset.theme = theme;
    button.setAttribute('aria-label', `${LABEL[theme]}; change the theme`);
  }
  for (const l of listeners) l();
}

/** Whether the page is dark now, by choice or by the system's setting. */
export function isDark() {
  const t = document.documentElement.dataset.theme;
  return t ? t === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls `listener` whenever the colours change (a click on the toggle, or the system switching). */
export function onThemeChange(listener) {
  listeners.push(listener);
}

export function wireThemeToggle() {
  const button = document.getElementById('theme-toggle');
  apply(chosen());
  button?.addEventListener('click', () => apply(ORDER[(ORDER.indexOf(chosen()) + 1) % ORDER.length]));
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (chosen() === 'system') for (const l of listeners) l();
  });
}
