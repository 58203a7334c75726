// Types Astro generates for the content collections (astro:content) on `astro sync` / build.
/// <reference path="../.astro/types.d.ts" />
