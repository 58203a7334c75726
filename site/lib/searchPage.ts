/**
 * The search page: loads this language's index (and the other's, if asked), searches as the
 * learner types, keeps the query in the URL (?q=…&both=1) so results can be shared.
 */
import { fill } from '../i18n/fill';
import { search, type SearchHit } from './search';
import type { IndexedLesson } from './searchIndex';

const form = document.querySelector<HTMLFormElement>('.search-form')!;
const input = form.querySelector<HTMLInputElement>('input[name="q"]')!;
const both = form.querySelector<HTMLInputElement>('input[name="both"]')!;
const status = document.querySelector<HTMLElement>('.search-status')!;
const list = document.querySelector<HTMLOListElement>('.search-results')!;
const strings = JSON.parse(form.dataset.strings!) as { none: string; count: string; loading: string; otherLang: string };
const indexes = new Map<string, Promise<IndexedLesson[]>>();

function loadIndex(lang: string): Promise<IndexedLesson[]> {
  let index = indexes.get(lang);
  if (!index) {
    index = fetch(`/search/${lang}.json`).then((r) => r.json() as Promise<IndexedLesson[]>);
    indexes.set(lang, index);
  }
  return index;
}

function render(hits: SearchHit[]): void {
  list.replaceChildren(
    ...hits.map((hit) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = hit.url;
      a.textContent = hit.heading;
      const where = document.createElement('div');
      where.className = 'where';
      where.textContent = `${hit.chapter}. ${hit.lessonTitle}${hit.lang !== form.dataset.lang ? ` ${strings.otherLang}` : ''}`;
      const p = document.createElement('p');
      for (const part of hit.snippet) {
        if (part.mark) {
          const mark = document.createElement('mark');
          mark.textContent = part.text;
          p.append(mark);
        } else p.append(part.text);
      }
      li.append(a, where, p);
      return li;
    }),
  );
}

let generation = 0;
async function run(): Promise<void> {
  const query = input.value.trim();
  const mine = ++generation;
  const url = new URL(location.href);
  url.searchParams.set('q', query);
  if (both.checked) url.searchParams.set('both', '1');
  else url.searchParams.delete('both');
  history.replaceState(null, '', url);
  if (!query) {
    list.replaceChildren();
    status.textContent = '';
    return;
  }
  status.textContent = strings.loading;
  const langs = both.checked ? [form.dataset.lang!, form.dataset.other!] : [form.dataset.lang!];
  const lessons = (await Promise.all(langs.map(loadIndex))).flat();
  if (mine !== generation) return;
  const hits = search(lessons, query);
  render(hits);
  status.textContent = hits.length === 0 ? strings.none : fill(strings.count, { n: hits.length }, form.dataset.lang);
}

const params = new URLSearchParams(location.search);
input.value = params.get('q') ?? '';
both.checked = params.get('both') === '1';
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});
input.addEventListener('input', () => void run());
both.addEventListener('change', () => void run());
if (input.value) void run();
input.focus();
