// Unit tests of the coloring view's zoom and pan maths (web/js/zoom.js) in plain node.
// Run: node --test tests/web/zoom.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_ZOOM, MAX_ZOOM, clampZoom, fitScale, wheelZoom, pinchZoom, anchorScroll, toImage, isPan } from '../../web/js/zoom.js';

test('zoom stays within 1..8', () => {
  assert.equal(clampZoom(0.2), MIN_ZOOM);
  assert.equal(clampZoom(3), 3);
  assert.equal(clampZoom(100), MAX_ZOOM);
});

test('fit: a wide page shrinks to the stage, a small one is never enlarged', () => {
  assert.equal(fitScale(502, 1000), 0.5); // 500 px available (2 px of border)
  assert.equal(fitScale(2000, 1000), 1);
  assert.equal(fitScale(0, 1000), 0.1); // a stage not laid out yet counts as 100 px
});

test('wheel: up zooms in, down zooms out, clamped', () => {
  assert.ok(wheelZoom(2, -100) > 2);
  assert.ok(wheelZoom(2, 100) < 2);
  assert.equal(wheelZoom(1, 1000), MIN_ZOOM);
  assert.equal(wheelZoom(8, -1000), MAX_ZOOM);
});

test('pinch: the zoom follows the fingers\' distance from where it began', () => {
  assert.equal(pinchZoom(2, 100, 200), 4);
  assert.equal(pinchZoom(2, 100, 50), 1);
  assert.equal(pinchZoom(2, 100, 10000), MAX_ZOOM);
  assert.equal(pinchZoom(2, 0, 3), 6); // two fingers on one spot: no division by zero
});

test('anchor: the image point under the pointer stays under it', () => {
  const before = { left: 0, top: 0, width: 400, height: 300 };
  const after = { left: 0, top: 0, width: 800, height: 600 }; // doubled, same origin
  // Pointer at (100, 75): a quarter across. After doubling that point is at (200, 150),
  // so scroll by (100, 75) to bring it back under the pointer.
  assert.deepEqual(anchorScroll(before, after, 100, 75), { dx: 100, dy: 75 });
  // The top-left corner never moves.
  assert.deepEqual(anchorScroll(before, after, 0, 0), { dx: 0, dy: 0 });
  // A canvas not laid out yet: no scroll.
  assert.deepEqual(anchorScroll({ left: 0, top: 0, width: 0, height: 0 }, after, 5, 5), { dx: 0, dy: 0 });
});

test('client -> image coordinates follow the drawn size and offset', () => {
  const rect = { left: 10, top: 20, width: 200, height: 100 };
  assert.deepEqual(toImage(10, 20, rect, 400, 200), [0, 0]);
  assert.deepEqual(toImage(110, 70, rect, 400, 200), [200, 100]);
});

test('a press is a tap until it moves more than 8 px', () => {
  assert.equal(isPan(5, 5), false);
  assert.equal(isPan(6, 6), true);
});
