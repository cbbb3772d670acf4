// Paint by numbers (issue 19): a numbered page's regions and the "Check" of a fill. Pure
// functions (plus the PNG reader's DecompressionStream): usable in the browser and in node.
//
// The regions come from /regions.png, a 16-bit gray PNG (pixel = its region's palette
// number, 0 on ink). A canvas would round 16-bit samples to 8 bits (1..32 all become 0), so
// the PNG is read here: chunks, zlib inflate, row filters.

function readU32(b, o) {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

async function inflate(bytes) {
  const ds = new DecompressionStream('deflate'); // zlib-wrapped, as PNG's IDAT
  const out = new Blob([bytes]).stream().pipeThrough(ds);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Undoes PNG's row filters in place over raw (each row: 1 filter byte + stride bytes).
function unfilter(raw, stride, height, bpp) {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[row - stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp] : 0;
      const v = raw[src + x];
      out[row + x] = (f === 0 ? v : f === 1 ? v + a : f === 2 ? v + b
        : f === 3 ? v + ((a + b) >> 1) : v + paeth(a, b, c)) & 255;
    }
  }
  return out;
}

/** {width, height, values: Uint16Array} of a 16-bit gray, non-interlaced PNG (ArrayBuffer). */
export async function readRegionsPng(buffer) {
  const b = new Uint8Array(buffer);
  let o = 8, width = 0, height = 0;
  const idat = [];
  while (o + 8 <= b.length) {
    const len = readU32(b, o);
    const type = String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
    const data = b.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = readU32(data, 0);
      height = readU32(data, 4);
      if (data[8] !== 16 || data[9] !== 0 || data[12] !== 0) throw new Error('not a 16-bit gray regions PNG');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  idat.reduce((at, d) => { joined.set(d, at); return at + d.length; }, 0);
  const px = unfilter(await inflate(joined), width * 2, height, 2);
  const values = new Uint16Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = (px[2 * i] << 8) | px[2 * i + 1];
  return { width, height, values };
}

/**
 * The regions of `values` (4-connected pixels of one number > 0): {label: Int32Array (0 on
 * ink), numbers: [number of region 1, ...] (index 0 unused)}.
 */
export function labelRegions(values, width, height) {
  const label = new Int32Array(width * height);
  const numbers = [0];
  const stack = [];
  for (let s = 0; s < values.length; s++) {
    if (values[s] === 0 || label[s] !== 0) continue;
    const id = numbers.length;
    numbers.push(values[s]);
    label[s] = id;
    stack.push(s);
    while (stack.length) {
      const p = stack.pop();
      const x = p % width;
      for (const q of [x > 0 ? p - 1 : -1, x + 1 < width ? p + 1 : -1, p - width, p + width]) {
        if (q >= 0 && q < values.length && label[q] === 0 && values[q] === values[p]) {
          label[q] = id;
          stack.push(q);
        }
      }
    }
  }
  return { label, numbers };
}

/**
 * Checks a fill: pixels (Uint32Array of packed RGBA, as the canvas holds them) against the
 * regions and palette ({number: packed colour}). A region is right when most of its
 * pixels hold its colour, empty when most are still white (packed `white`), wrong otherwise.
 * Returns {right, wrong, empty}: arrays of region ids.
 */
export function checkFill(regions, pixels, colorOf, white) {
  const n = regions.numbers.length;
  const match = new Uint32Array(n), blank = new Uint32Array(n), total = new Uint32Array(n);
  const { label, numbers } = regions;
  for (let i = 0; i < label.length; i++) {
    const r = label[i];
    if (r === 0) continue;
    total[r]++;
    if (pixels[i] === colorOf[numbers[r]]) match[r]++;
    else if (pixels[i] === white) blank[r]++;
  }
  const out = { right: [], wrong: [], empty: [] };
  for (let r = 1; r < n; r++) {
    // The number's own glyph pixels are walls, never filled: half is "most".
    if (match[r] * 2 > total[r]) out.right.push(r);
    else if (blank[r] * 2 > total[r]) out.empty.push(r);
    else out.wrong.push(r);
  }
  return out;
}
