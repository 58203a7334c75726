/**
 * The rule for a learner's display name, shared by the lab (membership.ts) and the join form
 * (site/components/classroom/JoinForm.svelte), so the form never takes a name the lab refuses,
 * nor the other way round. Its length is counted in Unicode code points after trimming and
 * NFC, as the lab stores it: the form's `maxlength` counted UTF-16 units, so 21 characters
 * outside the BMP (𠮷, an emoji) were cut short there though the lab takes 40, and 21 "क़"
 * (which NFC spells with two code points) passed the form and were refused. A leaf: the site
 * imports it.
 */
import { text, type Text } from '../feedbackLine.js';

/** The most code points a display name may have. */
export const DISPLAY_NAME_MAX = 40;

/**
 * Characters nobody sees that change how a name looks or reads: control characters (C0 and C1),
 * line separators, and every default-ignorable code point (Unicode's own list of characters a
 * renderer draws as nothing): bidirectional overrides and marks ("\u202Egnp.exe" shows as
 * "exe.png"), zero-width spaces, the soft hyphen, Hangul fillers, tag characters, variation
 * selectors, the grapheme joiner. With them two learners' names looked the same to their
 * instructor. ZWJ and ZWNJ stay (emoji and some scripts need them), and so do the emoji
 * presentation selector after a pictograph or in a keycap (1️⃣), and the tags of the three
 * subdivision flags Unicode recommends (England, Scotland, Wales): elsewhere they draw as nothing.
 * No lookbehind: the join form runs this on phones whose Safari lacks it.
 */
const HIDDEN_IN_NAMES = /(?![\u200c\u200d])[\p{Cc}\u2028\u2029\p{Default_Ignorable_Code_Point}]/u;
const EMOJI_INVISIBLES = /(\p{Extended_Pictographic})\ufe0f|([0-9#*])\ufe0f(?=\u20e3)|\u{1f3f4}\u{e0067}\u{e0062}(?:\u{e0065}\u{e006e}\u{e0067}|\u{e0073}\u{e0063}\u{e0074}|\u{e0077}\u{e006c}\u{e0073})\u{e007f}/gu;

/** Half of a surrogate pair, which JSON can carry ("\ud800") but UTF-8 and the database cannot (they keep U+FFFD). */
export function hasBrokenCharacter(name: string): boolean {
  return /\p{Cs}/u.test(name);
}

/** A character nobody sees (HIDDEN_IN_NAMES), but for those an emoji needs. */
export function hasHiddenCharacter(name: string): boolean {
  return HIDDEN_IN_NAMES.test(name.replace(EMOJI_INVISIBLES, '$1$2'));
}

/** A display name as the lab keeps it: trimmed, in NFC. */
export function displayNameOf(typed: string): string {
  return typed.trim().normalize('NFC');
}

/** What is wrong with a display name (as displayNameOf gives it), if anything. */
export function displayNameProblem(name: string): Text | undefined {
  const length = [...name].length;
  if (length < 1 || length > DISPLAY_NAME_MAX) {
    const over = length > DISPLAY_NAME_MAX ? { en: ` (this one has ${length})`, zh: `（现在是 ${length} 个）` } : { en: '', zh: '' };
    return text(`Choose a display name of 1 to ${DISPLAY_NAME_MAX} characters${over.en}.`, `请填写 1 到 ${DISPLAY_NAME_MAX} 个字符的显示名称${over.zh}。`);
  }
  // Half of a surrogate pair (an emoji or a rare character cut in two): the database keeps it
  // as U+FFFD, so the learner joined under a name they could never log in with again.
  if (hasBrokenCharacter(name)) {
    return text(
      'Your display name holds a broken character (half of an emoji or of a rare character, cut off when it was copied). Type the name again by hand.',
      '你的显示名称里有一个残缺的字符（表情符号或生僻字被截断了一半，常见于复制时）。请手动重新输入名称。',
    );
  }
  if (hasHiddenCharacter(name)) {
    return text(
      'Your display name holds an invisible character (a control, a zero-width space or a text-direction mark, often pasted along with text). Type the name again by hand.',
      '你的显示名称里有看不见的字符（控制字符、零宽空格或文字方向标记，常随复制的文字一起粘贴进来）。请手动重新输入名称。',
    );
  }
  return undefined;
}
