/** Whether the page is dark: the learner's choice (data-theme) wins over the system's. */
export function isDark(): boolean {
  const chosen = document.documentElement.dataset.theme;
  if (chosen) return chosen === 'dark';
  return matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls back whenever the theme may have changed (theme switch or system setting). */
export function onThemeChange(callback: () => void): () => void {
  const query = matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', callback);
  window.addEventListener('maillab:theme', callback);
  return () => {
    query.removeEventListener('change', callback);
    window.removeEventListener('maillab:theme', callback);
  };
}
