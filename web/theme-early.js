// Before the page is drawn: the theme the operator chose on this machine (light or dark), so a
// dark control room never sees a white flash. Without a choice, the CSS follows the system.
// A classic script (not a module) so it runs before the first paint; web/theme.js is the toggle.
(function () {
  try {
    var theme = localStorage.getItem('hv-theme');
    if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  } catch (e) {
    // Storage refused (a locked-down browser): the system's setting it is.
  }
})();
