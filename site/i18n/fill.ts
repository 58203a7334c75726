/**
 * Fills a string's placeholders: {name} becomes the value of `name`, and {name|one|other}
 * the word for that many in the page's language (Intl.PluralRules), so English reads
 * "1 learner", "2 learners". Chinese has no plural: its strings just write "{n} 名学生".
 */
export type Vars = Record<string, string | number>;

export function fill(template: string, vars: Vars, lang = 'en'): string {
  const rules = new Intl.PluralRules(lang);
  return template.replace(/\{(\w+)((?:\|[^|{}]*)*)\}/g, (whole, name: string, forms: string) => {
    if (!(name in vars)) return whole;
    if (!forms) return String(vars[name]);
    const [one, other = one] = forms.slice(1).split('|') as [string, string?];
    return rules.select(Number(vars[name])) === 'one' ? one : other;
  });
}
