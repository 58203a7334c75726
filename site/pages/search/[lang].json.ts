/** The search index of one language's lessons, built with the site: /search/<lang>.json. */
import type { APIRoute } from 'astro';
import { LANGS, type Lang } from '../../i18n/ui';
import { lessonSlug, lessonsIn, lessonUrl } from '../../lib/lessons';
import { sectionsFromHtml, type IndexedLesson } from '../../lib/searchIndex';

export function getStaticPaths() {
  return LANGS.map((lang) => ({ params: { lang } }));
}

export const GET: APIRoute = async ({ params }) => {
  const lang = params.lang as Lang;
  const lessons = await lessonsIn(lang);
  const index: IndexedLesson[] = lessons.map((lesson) => ({
    lang,
    slug: lessonSlug(lesson),
    chapter: lesson.data.chapter,
    title: lesson.data.title,
    url: lessonUrl(lang, lessonSlug(lesson)),
    sections: sectionsFromHtml(lesson.rendered?.html ?? ''),
  }));
  return new Response(JSON.stringify(index), { headers: { 'content-type': 'application/json; charset=utf-8' } });
};
