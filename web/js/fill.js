// Flood fill for coloring pages. Pure functions on typed arrays: usable in the browser and in node.
//
// The walls are the template's lines: pixels of the ORIGINAL page whose luminance is < 128.
// A fill covers every non-wall pixel 4-connected to the start, whatever color it has now, so a
// region can be recolored and the eraser (fill with white) restores it. Lines are never painted.

export const WALL_LUMA = 128;

/** wall mask (Uint8Array, 1 = line) from RGBA bytes. */
export function wallMask(rgba, width, height, threshold = WALL_LUMA) {
  const n = width * height;
  const mask = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    const a = rgba[p + 3];
    // Rec. 601 luma, composited over white for transparent pixels.
    let y = 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
    y = (y * a + 255 * (255 - a)) / 255;
    mask[i] = y < threshold ? 1 : 0;
  }
  return mask;
}

/**
 * Scanline flood fill on the wall mask from (x, y).
 * Returns a Uint32Array of the pixel indices of the region (empty if the start is a wall or outside).
 */
export function regionAt(mask, width, height, x, y) {
  x = Math.floor(x); y = Math.floor(y);
  if (x < 0 || y < 0 || x >= width || y >= height || mask[y * width + x]) return new Uint32Array(0);
  const seen = new Uint8Array(width * height);
  let out = new Uint32Array(1024);
  let count = 0;
  const push = (i) => {
    if (count === out.length) {
      const bigger = new Uint32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[count++] = i;
  };
  const stack = [x, y];
  while (stack.length) {
    const sy = stack.pop();
    const sx = stack.pop();
    const row = sy * width;
    if (seen[row + sx] || mask[row + sx]) continue;
    let l = sx;
    while (l > 0 && !mask[row + l - 1] && !seen[row + l - 1]) l--;
    let r = sx;
    while (r < width - 1 && !mask[row + r + 1] && !seen[row + r + 1]) r++;
    for (let i = l; i <= r; i++) {
      seen[row + i] = 1;
      push(row + i);
    }
    // Seed the rows above and below: one seed per run of open pixels.
    for (const ny of [sy - 1, sy + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let inRun = false;
      for (let i = l; i <= r; i++) {
        const open = !mask[nrow + i] && !seen[nrow + i];
        if (open && !inRun) stack.push(i, ny);
        inRun = open;
      }
    }
  }
  return out.subarray(0, count);
}

/** Pack r,g,b,a bytes into the Uint32 layout of an ImageData buffer on this machine. */
export function packColor(r, g, b, a = 255) {
  const buf = new Uint8ClampedArray([r, g, b, a]);
  return new Uint32Array(buf.buffer)[0];
}

export function parseHexColor(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`bad color ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/**
 * Fill `region` in `pixels` (Uint32Array view of ImageData) with `color` (packed).
 * Returns an undo patch {indices, before, color} or null when nothing would change.
 */
export function applyFill(pixels, region, color) {
  let changed = false;
  for (let k = 0; k < region.length; k++) {
    if (pixels[region[k]] !== color) { changed = true; break; }
  }
  if (!changed) return null;
  const before = new Uint32Array(region.length);
  for (let k = 0; k < region.length; k++) {
    const i = region[k];
    before[k] = pixels[i];
    pixels[i] = color;
  }
  return { indices: region.slice(), before, color };
}

export function undoPatch(pixels, patch) {
  const { indices, before } = patch;
  for (let k = 0; k < indices.length; k++) pixels[indices[k]] = before[k];
}

export function redoPatch(pixels, patch) {
  const { indices, color } = patch;
  for (let k = 0; k < indices.length; k++) pixels[indices[k]] = color;
}
