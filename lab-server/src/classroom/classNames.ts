/**
 * The rules for a new class: its name, which its instructor sets and its learners see when they
 * join, and how many classes one instructor may have.
 * Counted in code points after trimming and NFC, as display names are (displayNames.ts): 80
 * emoji were 160 UTF-16 units and refused at 41.
 */
import { text, type Text } from '../feedbackLine.js';
import type { ClassInfo, ClassroomStore } from '../store/classroom.js';
import { hasBrokenCharacter, hasHiddenCharacter } from './displayNames.js';

/** Classes one instructor may have at once (a school's year of groups, many times over). */
export const MAX_CLASSES_PER_INSTRUCTOR = 200;

/** Said to an instructor who has that many already. */
export const TOO_MANY_CLASSES = text(
  `You have ${MAX_CLASSES_PER_INSTRUCTOR} classes, the most one instructor may have. Use one of them for the new group (remove the learners who left), or ask whoever runs the lab to add another instructor account ("maillab instructor add").`,
  `你已有 ${MAX_CLASSES_PER_INSTRUCTOR} 个班级，达到一位教师的上限。请用现有班级来带新的学生（把已离开的学生移除），或请实验室的管理者再添加一个教师账号（"maillab instructor add"）。`,
);

/** The most code points a class name may have. */
export const CLASS_NAME_MAX = 80;

/** A class name as the lab keeps it: trimmed, in NFC. */
export function classNameOf(typed: string): string {
  return typed.trim().normalize('NFC');
}

/** What is wrong with a class name (as classNameOf gives it), if anything. */
export function classNameProblem(name: string): Text | undefined {
  const length = [...name].length;
  if (length < 1 || length > CLASS_NAME_MAX) return text(`Give the class a name of 1 to ${CLASS_NAME_MAX} characters.`, `请为班级填写 1 到 ${CLASS_NAME_MAX} 个字符的名称。`);
  // Stored as U+FFFD ("A\ud800" became "A�"): the class would not be called what was typed.
  if (hasBrokenCharacter(name)) {
    return text(
      'The class name holds a broken character (half of an emoji or of a rare character, cut off when it was copied). Type the name again by hand.',
      '班级名称里有一个残缺的字符（表情符号或生僻字被截断了一半，常见于复制时）。请手动重新输入名称。',
    );
  }
  // Two classes that look alike to learners joining, a name that reverses what follows it, and
  // a NUL PostgreSQL refuses (a 500): as learners' names, refused.
  if (hasHiddenCharacter(name)) {
    return text(
      'The class name holds an invisible character (a control, a line break, a zero-width space or a text-direction mark, often pasted along with text). Type the name again by hand.',
      '班级名称里有看不见的字符（控制字符、换行、零宽空格或文字方向标记，常随复制的文字一起粘贴进来）。请手动重新输入名称。',
    );
  }
  return undefined;
}

/**
 * Opens a class for an instructor by the rules the page and `maillab class create` share: the
 * name, and at most MAX_CLASSES_PER_INSTRUCTOR (counted by the database with the insert).
 */
export async function openClass(store: ClassroomStore, typed: string, instructorId: string): Promise<{ klass: ClassInfo } | { refused: Text; status: 400 | 403 }> {
  const name = classNameOf(typed);
  const wrong = classNameProblem(name);
  if (wrong) return { refused: wrong, status: 400 };
  const klass = await store.createClassWithin(name, instructorId, MAX_CLASSES_PER_INSTRUCTOR);
  return klass ? { klass } : { refused: TOO_MANY_CLASSES, status: 403 };
}
