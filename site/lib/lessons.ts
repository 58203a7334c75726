/**
 * The lessons collection as the pages use it: lessons per language in chapter order, their
 * slugs and URLs. A slug names the same chapter in both languages.
 */
import { getCollection, type CollectionEntry } from 'astro:content';
import { localePath, type Lang } from '../i18n/ui';

export type Lesson = CollectionEntry<'lessons'>;

/** "zh-CN" or "en", from lessons/<lang>/<slug>.md. */
export function lessonLangOf(lesson: Lesson): Lang {
  const where = lesson.filePath ?? lesson.id;
  return /(^|[\\/])en[\\/]/.test(where) ? 'en' : 'zh-CN';
}

export function lessonSlug(lesson: Lesson): string {
  const where = lesson.filePath ?? lesson.id;
  return where.replace(/\\/g, '/').split('/').pop()!.replace(/\.md$/, '');
}

/** The path of a lesson without the language prefix (what Base's language switch wants). */
export function lessonPath(slug: string): string {
  return `/lessons/${slug}/`;
}

export function lessonUrl(lang: Lang, slug: string): string {
  return localePath(lang, lessonPath(slug));
}

export async function lessonsIn(lang: Lang): Promise<Lesson[]> {
  const all = await getCollection('lessons');
  return all.filter((l) => lessonLangOf(l) === lang).sort((a, b) => a.data.chapter - b.data.chapter);
}
