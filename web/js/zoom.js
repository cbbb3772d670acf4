// Zoom and pan maths of the coloring view (views/color.js), apart from the DOM so node can
// test it (tests/web/zoom.test.mjs). Scales are CSS pixels per image pixel: `fit` makes the
// page fit the stage's width, `zoom` (1..8) multiplies it.
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 8;
export const ZOOM_STEP = 1.5; // the buttons and the +/- keys
export const TAP_SLOP = 8; // CSS px a press may wander and still be a tap, not a pan

export function clampZoom(z) {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

// The scale at zoom 1: the page's width fits the stage (less its border), never enlarged,
// and never below the 100 px a stage that is not laid out yet would give.
export function fitScale(stageWidth, imageWidth) {
  return Math.min(1, Math.max(100, stageWidth - 2) / imageWidth);
}

// Ctrl+wheel (and a trackpad's pinch, which browsers send as one): smooth, either direction.
export function wheelZoom(zoom, deltaY) {
  return clampZoom(zoom * Math.exp(-deltaY * 0.002));
}

// Two fingers: the zoom follows the distance between them, from where the pinch began.
export function pinchZoom(startZoom, startDistance, distance) {
  return clampZoom((startZoom * distance) / (startDistance || 1));
}

// How far to scroll so the image point under the anchor (client coordinates) stays under it
// when the canvas's box changes from `before` to `after` (DOMRect-like {left, top, width, height}).
export function anchorScroll(before, after, anchorX, anchorY) {
  if (!before.width || !before.height) return { dx: 0, dy: 0 };
  const fx = (anchorX - before.left) / before.width;
  const fy = (anchorY - before.top) / before.height;
  return { dx: after.left + fx * after.width - anchorX, dy: after.top + fy * after.height - anchorY };
}

// Client coordinates -> image pixel coordinates (not rounded), for a canvas drawn in `rect`.
export function toImage(clientX, clientY, rect, W, H) {
  return [((clientX - rect.left) * W) / rect.width, ((clientY - rect.top) * H) / rect.height];
}

// Has a press moved far enough to be a pan?
export function isPan(dx, dy) {
  return Math.hypot(dx, dy) > TAP_SLOP;
}
