// Unit tests of the flood fill (web/js/fill.js) in plain node: no browser, no stack.
// Run: node --test tests/web/fill.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wallMask, regionAt, packColor, applyFill, undoPatch, redoPatch } from '../../web/js/fill.js';

// Draw a W×H white page from rows of text: '#' = black line, '.' = white, 'g' = light gray (not a wall).
function page(rows) {
  const H = rows.length;
  const W = rows[0].length;
  const rgba = new Uint8ClampedArray(W * H * 4);
  rows.forEach((row, y) => [...row].forEach((ch, x) => {
    const v = ch === '#' ? 0 : ch === 'g' ? 180 : ch === 'd' ? 100 : 255;
    rgba.set([v, v, v, 255], 4 * (y * W + x));
  }));
  return { W, H, rgba };
}

const rows = [
  '..........',
  '.####.....',
  '.#..#.....',
  '.#g.#..#..',
  '.####..#..',
  '.......#..',
];

test('wall mask: dark pixels (< 128) are walls, light gray is not', () => {
  const { W, H, rgba } = page(['#gd.']);
  assert.deepEqual([...wallMask(rgba, W, H)], [1, 0, 1, 0]);
});

test('transparent pixels count as white paper', () => {
  const rgba = new Uint8ClampedArray([0, 0, 0, 0, 0, 0, 0, 255]);
  assert.deepEqual([...wallMask(rgba, 2, 1)], [0, 1]);
});

test('fill inside a closed box stays inside', () => {
  const { W, H, rgba } = page(rows);
  const mask = wallMask(rgba, W, H);
  const inside = regionAt(mask, W, H, 2, 2);
  assert.deepEqual([...inside].sort((a, b) => a - b), [2 * W + 2, 2 * W + 3, 3 * W + 2, 3 * W + 3]);
});

test('fill outside flows around open lines but not into the box', () => {
  const { W, H, rgba } = page(rows);
  const mask = wallMask(rgba, W, H);
  const outside = regionAt(mask, W, H, 0, 0);
  const set = new Set(outside);
  assert.equal(set.size, outside.length, 'no pixel twice');
  const walls = mask.reduce((a, b) => a + b, 0);
  assert.equal(outside.length, W * H - walls - 4);
  assert.ok(!set.has(2 * W + 2));
  assert.ok(set.has(5 * W + 9), 'reaches around the open line');
});

test('clicking a line fills nothing; out of range fills nothing', () => {
  const { W, H, rgba } = page(rows);
  const mask = wallMask(rgba, W, H);
  assert.equal(regionAt(mask, W, H, 1, 1).length, 0);
  assert.equal(regionAt(mask, W, H, -1, 0).length, 0);
  assert.equal(regionAt(mask, W, H, W, 0).length, 0);
});

test('apply, undo, redo; a fill that changes nothing gives no patch', () => {
  const { W, H, rgba } = page(rows);
  const mask = wallMask(rgba, W, H);
  const pixels = new Uint32Array(rgba.buffer);
  const orig = pixels.slice();
  const red = packColor(255, 0, 0);
  const region = regionAt(mask, W, H, 2, 2);
  const patch = applyFill(pixels, region, red);
  assert.ok(patch);
  for (const i of region) assert.equal(pixels[i], red);
  let changed = 0;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== orig[i]) changed++;
  assert.equal(changed, region.length);
  assert.equal(applyFill(pixels, region, red), null);
  undoPatch(pixels, patch);
  assert.deepEqual(pixels, orig);
  redoPatch(pixels, patch);
  for (const i of region) assert.equal(pixels[i], red);
});

test('a large page fills fast (scanline, no recursion)', () => {
  const W = 2000;
  const H = 1500;
  const mask = new Uint8Array(W * H);
  for (let x = 0; x < W; x++) mask[700 * W + x] = 1; // one horizontal line
  const t0 = performance.now();
  const top = regionAt(mask, W, H, 5, 5);
  const ms = performance.now() - t0;
  assert.equal(top.length, 700 * W);
  assert.ok(ms < 2000, `took ${ms} ms`);
});
