/**
 * The drawn size of each lesson diagram, measured ahead of time by bin/measure-diagrams.mjs
 * (the site's mermaid in Chromium). The page reserves that box before mermaid has loaded: a
 * diagram drawn late (a slow phone, a fast scroll) then moves no text below it.
 */
import { createHash } from 'node:crypto';
import measured from '../../../lessons/diagram-sizes.json';

export interface DiagramSize {
  width: number;
  height: number;
}

/** A diagram's key in lessons/diagram-sizes.json: its mermaid source, hashed. */
export function diagramKey(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 16);
}

/** The measured size of a diagram, if bin/measure-diagrams.mjs has measured this source. */
export function diagramSize(source: string): DiagramSize | undefined {
  const size: number[] | undefined = (measured as Record<string, number[]>)[diagramKey(source)];
  return size && { width: size[0]!, height: size[1]! };
}
