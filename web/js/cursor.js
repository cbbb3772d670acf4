// The coloring view's keyboard cursor (views/color.js): arrow keys move it over the page,
// Shift for single pixels, Enter or Space fills under it. Kept apart from the DOM so node can
// test it (tests/web/cursor.test.mjs).
const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

// Where the cursor starts: the middle of a W×H page.
export function cursorStart(W, H) {
  return { x: Math.floor(W / 2), y: Math.floor(H / 2) };
}

// One arrow press: 1 px with Shift, else a sixtieth of the page's longer side (at least 2),
// so crossing a page takes the same number of presses whatever its size.
export function cursorStep(W, H, shift) {
  return shift ? 1 : Math.max(2, Math.round(Math.max(W, H) / 60));
}

// The cursor after `key`, kept on the page; null when the key does not move it.
export function moveCursor(pos, key, W, H, shift) {
  const m = MOVES[key];
  if (!m) return null;
  const step = cursorStep(W, H, shift);
  return {
    x: Math.min(W - 1, Math.max(0, pos.x + m[0] * step)),
    y: Math.min(H - 1, Math.max(0, pos.y + m[1] * step)),
  };
}

export function isFillKey(key) {
  return key === 'Enter' || key === ' ';
}

// Where to draw the cursor (CSS px inside the zoomed canvas): the middle of its pixel.
export function cursorOffset(pos, scale) {
  return { left: (pos.x + 0.5) * scale, top: (pos.y + 0.5) * scale };
}
