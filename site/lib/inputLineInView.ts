/**
 * Keeps a terminal's input line where the learner can see it while part of the page is hidden:
 * a phone's on-screen keyboard covers the bottom of the page (Chrome for Android since 108 and
 * Safari shrink the visual viewport, not the layout one), and a pinch zoom shows only part of
 * it. The browser brings a field into view when it takes the focus, but not when the keyboard
 * opens over a focused terminal, nor when replies push the cursor down under the keyboard.
 */
import type { Terminal } from '@xterm/xterm';

/** The part of the layout viewport the learner sees, in client coordinates. */
function visibleArea(vv: VisualViewport): { top: number; bottom: number; left: number; right: number } {
  return { top: vv.offsetTop, bottom: vv.offsetTop + vv.height, left: vv.offsetLeft, right: vv.offsetLeft + vv.width };
}

/** Follows the visual viewport for `term` until the returned function is called. */
export function keepInputLineInView(term: Terminal): () => void {
  const vv = window.visualViewport;
  const line = term.textarea;
  if (!vv || !line) return () => undefined;
  // xterm keeps its input field on the cursor's cell: where the learner's next character goes.
  const focused = (): boolean => document.activeElement === line;
  const inView = (): boolean => {
    const r = line.getBoundingClientRect();
    const a = visibleArea(vv);
    return r.top >= a.top - 1 && r.bottom <= a.bottom + 1 && r.left >= a.left - 1 && r.right <= a.right + 1;
  };
  // Only while something hides part of the page: a desktop page scrolls as it always has.
  const partHidden = (): boolean => vv.height < document.documentElement.clientHeight - 1 || vv.scale > 1.01;
  const bringIntoView = (): void => {
    const r = line.getBoundingClientRect();
    const a = visibleArea(vv);
    const below = r.bottom - a.bottom;
    const above = r.top - a.top;
    // The page scrolls by what is hidden (and a little more, so the line is not on the very edge).
    const by = below > 0 ? below + r.height / 2 : Math.min(above, 0);
    if (by !== 0) {
      const { scrollX, scrollY } = window;
      window.scrollBy({ top: by, behavior: 'instant' });
      // A terminal that does not move with the page (the lesson dock is fixed to the bottom)
      // is reached by panning the visual viewport instead; the page goes back where it was.
      if (line.getBoundingClientRect().top === r.top) window.scrollTo({ left: scrollX, top: scrollY, behavior: 'instant' });
    }
    if (!inView()) line.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: 'instant' });
  };

  // Whether the learner had the line in sight at the last look: only then is it kept there,
  // so a learner who scrolls away to read stays where they went.
  let seen = false;
  let scale = vv.scale;
  const look = (): void => {
    seen = focused() && inView();
  };
  const follow = (): void => {
    if (focused() && seen && partHidden() && !inView()) bringIntoView();
    look();
  };
  const onResize = (): void => {
    // A zoom is the learner's own move (and a pinch is many small resizes): only a keyboard
    // (or the browser's bars) changing the height at the same zoom is followed.
    const zoomed = Math.abs(vv.scale - scale) > 0.001;
    scale = vv.scale;
    if (zoomed) look();
    else follow();
  };
  let frame = 0;
  const onCursorMove = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      follow();
    });
  };
  // The learner types: the line comes into sight, as a browser shows a field's caret on input.
  const onInput = (): void => {
    requestAnimationFrame(() => {
      if (focused() && partHidden() && !inView()) bringIntoView();
      look();
    });
  };

  const moved = term.onCursorMove(onCursorMove);
  const typed = term.onData(onInput);
  vv.addEventListener('resize', onResize);
  // A scroll is the learner's look elsewhere, unless the cursor has just moved: the follow
  // waiting for the next frame decides then (the line is out of sight because it moved).
  const onScroll = (): void => {
    if (!frame) look();
  };
  vv.addEventListener('scroll', onScroll);
  window.addEventListener('scroll', onScroll, { passive: true });
  line.addEventListener('focus', look);
  return () => {
    moved.dispose();
    typed.dispose();
    if (frame) cancelAnimationFrame(frame);
    vv.removeEventListener('resize', onResize);
    vv.removeEventListener('scroll', onScroll);
    window.removeEventListener('scroll', onScroll);
    line.removeEventListener('focus', look);
  };
}
