/*
 * make_seeds.c - writes the fuzz_convert seed corpus into a directory: small PNGs of every
 * colour type and depth (plain and interlaced) and JPEGs (gray, colour, CMYK, progressive,
 * with EXIF orientation), and a PNG whose zlib stream goes on past its rows (issue 12), so
 * the fuzzer starts inside every decoder branch.
 * Usage: img_seeds DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "synth.h"

static int write_file(const char *dir, const char *name, const uint8_t *d, size_t n)
{
	char path[4096];
	FILE *f;
	int len = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (fwrite(d, 1, n, f) != n) {
		(void)fclose(f);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	static const synth_scene scenes[] = {SYNTH_SHAPES, SYNTH_TEXT, SYNTH_NOISE};
	char name[64];
	int count = 0;

	if (argc != 2) {
		fputs("usage: img_seeds DIR\n", stderr);
		return 1;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	for (int s = 0; s < 3; s++) {
		uint8_t *rgba = synth_rgba(scenes[s], 48, 32);

		if (rgba == NULL)
			return 1;
		for (int k = SP_GRAY8; k <= SP_RGB8_TRNS; k++) {
			for (int il = 0; il <= 1; il++) {
				size_t n;
				uint8_t *png = synth_png(rgba, 48, 32, (synth_png_kind)k, il, &n);

				(void)snprintf(name, sizeof(name), "s%d_k%d_i%d.png", s, k, il);
				if (png == NULL || write_file(argv[1], name, png, n) != 0)
					return 1;
				free(png);
				count++;
			}
		}
		for (int c = 1; c <= 4; c++) {
			for (int prog = 0; prog <= 1; prog++) {
				size_t n;
				uint8_t *jpg;

				if (c == 2)
					continue;
				jpg = synth_jpeg(rgba, 48, 32, c, prog, 75, prog ? 6 : 0, &n);
				(void)snprintf(name, sizeof(name), "s%d_c%d_p%d.jpg", s, c, prog);
				if (jpg == NULL || write_file(argv[1], name, jpg, n) != 0)
					return 1;
				free(jpg);
				count++;
			}
		}
		free(rgba);
	}
	{
		/* Issue 11: progressive 4:2:0 and 4:4:4 of several iMCU rows, so the compact
		 * coefficient store (decode_jpeg_store.c) moves its windows and codes rows. */
		uint8_t *rgba = synth_rgba(SYNTH_SHAPES, 160, 120);

		for (int hs = 1; hs <= 2; hs++) {
			size_t n;
			uint8_t *jpg =
			    rgba ? synth_jpeg_sampled(rgba, 160, 120, hs, hs, 1, 75, &n) : NULL;

			(void)snprintf(name, sizeof(name), "progressive_%d.jpg", hs);
			if (jpg == NULL || write_file(argv[1], name, jpg, n) != 0)
				return 1;
			free(jpg);
			count++;
		}
		free(rgba);
	}
	{
		/* Issue 12: rows, then a zlib stream that goes on (4 MiB of zeros, ~4 KB). */
		size_t n;
		uint8_t *png = synth_png_trailing(100, 100, (uint64_t)4 << 20, &n);

		if (png == NULL || write_file(argv[1], "trailing_zlib.png", png, n) != 0)
			return 1;
		free(png);
		count++;
	}
	{
		/* A stored page's SVG, as vector.c writes it: the harness also reads the input
		 * as one (pdf.c's reader). */
		static const char svg[] =
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"64\" "
		    "height=\"48\" viewBox=\"0 0 64 48\">\n"
		    "<rect width=\"64\" height=\"48\" fill=\"#fff\"/>\n"
		    "<path fill=\"#000\" fill-rule=\"evenodd\" d=\"M 2.0 2.0 L 60.5 2.0 C 61.0 "
		    "20.0 "
		    "61.0 30.0 60.5 46.0 L 2.0 46.0 Z M 10.0 10.0 L 50.0 10.0 L 50.0 38.0 L 10.0 "
		    "38.0 Z\"/>\n</svg>\n";

		if (write_file(argv[1], "page.svg", (const uint8_t *)svg, sizeof(svg) - 1) != 0)
			return 1;
		count++;
	}
	printf("img_seeds: %d files in %s\n", count, argv[1]);
	return 0;
}
