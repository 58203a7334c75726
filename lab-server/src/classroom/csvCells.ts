/**
 * A CSV cell a spreadsheet program shows as text, never runs (CSV injection, as OWASP names
 * it): a learner chooses their own display name, and "=HYPERLINK(…)" would become a live
 * formula in their instructor's spreadsheet. A cell is quoted, and one whose first visible
 * character starts a formula gets a leading apostrophe, which spreadsheets show as text.
 */

/**
 * Starts a formula: = + - @, and every character compatibility-equivalent to one (NFKC):
 * the full-width ＝ ＋ － ＠ a CJK input method types and Excel in a Chinese or Japanese
 * locale reads as the ASCII ones, the small ﹦ ﹢ ﹣ ﹫, the super- and subscript ⁼ ⁺ ⁻ ₌ ₊ ₋.
 * Also the minus sign U+2212, which some spreadsheets take for "-", and a character whose
 * NFKC form begins with one (⩵ is "==").
 */
function startsFormula(char: string): boolean {
  return /^[=+\-@\u2212]/.test(char.normalize('NFKC'));
}

/** A tab or carriage return first also starts one in some programs; spaces before a formula start are skipped by others. */
const LEADING = /^[\s\u3000]*/u;

/** The cell quoted for CSV, defused when it would start a formula. */
export function csvCell(value: string): string {
  const afterSpace = value.slice(LEADING.exec(value)![0].length);
  const first = [...afterSpace][0] ?? '';
  const defused = /^[\t\r\n]/.test(value) || startsFormula(first) ? `'${value}` : value;
  return `"${defused.replace(/"/g, '""')}"`;
}
