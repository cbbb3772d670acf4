// Unit tests of the coloring view's keyboard cursor (web/js/cursor.js) in plain node.
// Run: node --test tests/web/cursor.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorStart, cursorStep, moveCursor, isFillKey, cursorOffset } from '../../web/js/cursor.js';

test('starts in the middle of the page', () => {
  assert.deepEqual(cursorStart(640, 481), { x: 320, y: 240 });
});

test('a step is 1/60 of the longer side (at least 2), 1 with Shift', () => {
  assert.equal(cursorStep(1200, 900, false), 20);
  assert.equal(cursorStep(30, 20, false), 2);
  assert.equal(cursorStep(1200, 900, true), 1);
});

test('arrows move by a step; other keys do not move it', () => {
  const at = { x: 100, y: 100 };
  assert.deepEqual(moveCursor(at, 'ArrowRight', 1200, 900, false), { x: 120, y: 100 });
  assert.deepEqual(moveCursor(at, 'ArrowUp', 1200, 900, true), { x: 100, y: 99 });
  assert.equal(moveCursor(at, 'a', 1200, 900, false), null);
  assert.equal(moveCursor(at, 'Enter', 1200, 900, false), null);
});

test('the cursor never leaves the page', () => {
  assert.deepEqual(moveCursor({ x: 5, y: 5 }, 'ArrowLeft', 1200, 900, false), { x: 0, y: 5 });
  assert.deepEqual(moveCursor({ x: 1195, y: 895 }, 'ArrowDown', 1200, 900, false), { x: 1195, y: 899 });
  assert.deepEqual(moveCursor({ x: 1199, y: 0 }, 'ArrowRight', 1200, 900, false), { x: 1199, y: 0 });
});

test('Enter and Space fill', () => {
  assert.ok(isFillKey('Enter'));
  assert.ok(isFillKey(' '));
  assert.ok(!isFillKey('f'));
});

test('drawn at the middle of its pixel, scaled', () => {
  assert.deepEqual(cursorOffset({ x: 10, y: 4 }, 2), { left: 21, top: 9 });
});
