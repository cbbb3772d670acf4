// Unit tests of paint by numbers' check (web/js/numbers.js) in plain node: the regions PNG is
// read exactly (16-bit samples over 255), regions are labelled, and Check tells right, wrong
// and empty regions apart. Run: node --test tests/web/numbers.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, crc32 } from 'node:zlib';
import { readRegionsPng, labelRegions, checkFill } from '../../web/js/numbers.js';

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32 ? crc32(td) >>> 0 : 0);
  return Buffer.concat([len, td, crc]);
}

// A 16-bit gray PNG of rows (arrays of numbers), with filter `filter` on every row.
function png16(rows, filter = 0) {
  const H = rows.length, W = rows[0].length;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 16;
  const raw = Buffer.alloc(H * (1 + 2 * W));
  rows.forEach((row, y) => {
    raw[y * (1 + 2 * W)] = filter;
    row.forEach((v, x) => {
      const o = y * (1 + 2 * W) + 1 + 2 * x;
      // filter 2 (up): each byte less the byte above (PNG filters work on bytes)
      const up = filter === 2 && y > 0 ? rows[y - 1][x] : 0;
      raw[o] = ((v >> 8) - (up >> 8)) & 255;
      raw[o + 1] = ((v & 255) - (up & 255)) & 255;
    });
  });
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))]);
}

const rows = [
  [1, 1, 0, 2, 2],
  [1, 1, 0, 2, 2],
  [0, 0, 0, 0, 0],
  [3, 3, 0, 300, 300],
];

test('the regions PNG is read sample for sample (no 8-bit rounding), any row filter', async () => {
  for (const f of [0, 2]) {
    const buf = png16(rows, f);
    const r = await readRegionsPng(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    assert.equal(r.width, 5);
    assert.equal(r.height, 4);
    assert.deepEqual([...r.values], rows.flat());
  }
});

test('regions: 4-connected pixels of one number, ink apart', () => {
  const { label, numbers } = labelRegions(Uint16Array.from(rows.flat()), 5, 4);
  assert.deepEqual(numbers, [0, 1, 2, 3, 300]);
  assert.equal(label[0], label[6]);
  assert.equal(label[2], 0);
});

test('check: right, wrong and empty regions', () => {
  const regions = labelRegions(Uint16Array.from(rows.flat()), 5, 4);
  const WHITE = 0xffffffff, RED = 0xff0000ff, BLUE = 0xffff0000;
  const colorOf = { 1: RED, 2: BLUE, 3: RED, 300: BLUE };
  const pixels = new Uint32Array(20).fill(WHITE);
  for (const i of [0, 1, 5, 6]) pixels[i] = RED;   // region 1 right
  for (const i of [3, 4, 8, 9]) pixels[i] = RED;   // region 2 wrong (should be blue)
  const out = checkFill(regions, pixels, colorOf, WHITE);
  assert.deepEqual(out.right, [1]);
  assert.deepEqual(out.wrong, [2]);
  assert.deepEqual(out.empty, [3, 4]);
});
