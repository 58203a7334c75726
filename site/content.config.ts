/**
 * The lessons: lessons/<lang>/<slug>.md, one file per chapter and language. The same slug in
 * both languages is the same chapter, so the language switch can keep the learner in place.
 */
import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';

const lessons = defineCollection({
  loader: glob({ base: './lessons', pattern: '{zh-CN,en}/*.md' }),
  schema: z.object({
    title: z.string(),
    /** Chapter number: the order in the sidebar and previous/next. */
    chapter: z.number().int().positive(),
    /** One or two sentences for the chapter list and the page description. */
    summary: z.string(),
  }),
});

export const collections = { lessons };
