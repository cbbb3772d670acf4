/*
 * convert_cli.c - inkwell-convert: the conversion engine from a shell, for people, tests
 * and the benchmark. Reads IN whole (up to the byte limit), converts, writes OUT through a
 * temporary file in OUT's directory renamed into place, so OUT is never partial.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img.h"

#define CLI_EXIT_USAGE 1
#define CLI_EXIT_IMAGE 2
#define CLI_EXIT_IO    3

static const char cli_usage[] =
    "usage: inkwell-convert IN OUT [--detail 1..5] [--line-width 1..8] [--max-side 64..4096]\n"
    "                       [--paper a4|letter] [--title TEXT] [--report]\n"
    "                       [--style lines|numbers] [--colors 4..32] [--palette photo|crayons24]\n"
    "                       [--plain FILE] [--regions FILE] [--numbers]\n"
    "Turns the PNG or JPEG IN into a coloring page OUT: an 8-bit gray PNG, or by OUT's\n"
    "extension the same curves as SVG (.svg) or a one-page PDF (.pdf).\n"
    "  --detail N      how many regions: 1 few .. 5 many (default 3)\n"
    "  --line-width N  stroke width in pixels (default 2)\n"
    "  --max-side N    long side of the page in pixels (default 1000)\n"
    "  --paper P       PDF paper: a4 (default) or letter\n"
    "  --title TEXT    PDF: the title at the foot of the page\n"
    "  --report        print the page's quality figures as one JSON object on stdout\n"
    "  --style S       lines (default) or numbers: paint by numbers (OUT is numbered)\n"
    "  --colors N      numbers: at most N colours (default 12)\n"
    "  --palette P     numbers: photo (default) or crayons24\n"
    "  --plain FILE    numbers: also write the page without numbers (.png or .svg)\n"
    "  --regions FILE  numbers: also write the regions as a 16-bit PNG (palette numbers)\n"
    "  --numbers       numbers: print the palette and the labels as one JSON object\n"
    "Exit status: 0 done; 1 bad arguments; 2 bad or unsupported image (reason on stderr);\n"
    "3 cannot read IN or write OUT.\n";

static int cli_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Reads up to max + 1 bytes of path (one more than allowed, so "too big" is still seen). */
static int cli_read(const char *path, size_t max, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = NULL;

	if (f == NULL)
		return -1;
	for (;;) {
		size_t want, got;

		if (n == cap || buf == NULL) {
			uint8_t *nb;

			if (buf != NULL)
				cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		want = cap - n;
		if (want > max + 1 - n)
			want = max + 1 - n;
		got = fread(buf + n, 1, want, f);
		n += got;
		if (got < want || n > max)
			break;
	}
	if (ferror(f))
		goto fail;
	(void)fclose(f);
	*data = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	(void)fclose(f);
	return -1;
}

static int cli_write(const char *path, const uint8_t *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, n;
	mode_t mask;
	FILE *f;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	mask = umask(0);
	(void)umask(mask);
	f = fdopen(fd, "wb");
	if (f == NULL) {
		(void)close(fd);
		goto fail;
	}
	if (fchmod(fd, 0666 & ~mask) != 0 || fwrite(data, 1, len, f) != len || fflush(f) != 0 ||
	    fsync(fd) != 0) {
		(void)fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	n = errno;
	(void)unlink(tmp);
	errno = n;
	return -1;
}

static int cli_ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcasecmp(s + n - t, tail) == 0;
}

/* Writes the page in OUT's format. Returns 0, or CLI_EXIT_IO / CLI_EXIT_IMAGE with a line on
 * stderr. */
static int cli_write_page(const char *out, const img_page *page, img_paper paper, const char *title)
{
	const uint8_t *bytes = page->png;
	size_t len = page->png_len;
	uint8_t *pdf = NULL;
	char why[256];
	int rc = 0;

	if (cli_ends_with(out, ".svg")) {
		bytes = (const uint8_t *)page->svg;
		len = page->svg_len;
	} else if (cli_ends_with(out, ".pdf")) {
		ink_err err =
		    page->style == IMG_STYLE_NUMBERS
		        ? img_pdf_numbers(page->svg, page->svg_len, page->palette, page->npalette,
		                          paper, title, &pdf, &len, why, sizeof(why))
		        : img_pdf_from_svg(page->svg, page->svg_len, paper, title, &pdf, &len, why,
		                           sizeof(why));
		if (err != INK_OK) {
			fprintf(stderr, "inkwell-convert: %s: %s (%s)\n", out, why,
			        ink_strerror(err));
			return CLI_EXIT_IMAGE;
		}
		bytes = pdf;
	}
	if (cli_write(out, bytes, len) != 0) {
		fprintf(stderr, "inkwell-convert: cannot write %s: %s\n", out, strerror(errno));
		rc = CLI_EXIT_IO;
	}
	free(pdf);
	return rc;
}

/* Writes the plain page (.svg or PNG by name) and the regions PNG when asked for. */
static int cli_write_numbers(const char *plain, const char *regions, const img_page *p)
{
	const uint8_t *b = p->plain_png;
	size_t n = p->plain_png_len;

	if (plain != NULL && cli_ends_with(plain, ".svg")) {
		b = (const uint8_t *)p->plain_svg;
		n = p->plain_svg_len;
	}
	if ((plain != NULL && cli_write(plain, b, n) != 0) ||
	    (regions != NULL && cli_write(regions, p->regions_png, p->regions_png_len) != 0)) {
		fprintf(stderr, "inkwell-convert: cannot write: %s\n", strerror(errno));
		return CLI_EXIT_IO;
	}
	return 0;
}

static void cli_print_numbers(const img_page *p)
{
	printf("{\"palette\":[");
	for (int i = 0; i < p->npalette; i++) {
		const img_swatch *s = &p->palette[i];

		printf("%s{\"number\":%d,\"rgb\":\"#%02x%02x%02x\"", i ? "," : "", s->number,
		       s->rgb[0], s->rgb[1], s->rgb[2]);
		if (s->name != NULL)
			printf(",\"name\":\"%s\"", s->name);
		printf("}");
	}
	printf("],\"labels\":[");
	for (size_t i = 0; i < p->nlabels; i++) {
		const img_label *l = &p->labels[i];

		printf("%s{\"number\":%d,\"x\":%.2f,\"y\":%.2f,\"radius\":%.2f,"
		       "\"box\":[%.2f,%.2f,%.2f,%.2f]}",
		       i ? "," : "", l->number, l->px, l->py, l->radius, l->x0, l->y0, l->x1,
		       l->y1);
	}
	printf("]}\n");
}

/* The paint-by-numbers options; 1 when a[i] was one of them (i moved past its value). */
static int cli_numbers_opt(int argc, char **argv, int *i, img_opts *o)
{
	const char *a = argv[*i];
	long v;

	if (*i + 1 >= argc)
		return 0;
	if (strcmp(a, "--style") == 0 && img_style_parse(argv[*i + 1], &o->style) == INK_OK) {
	} else if (strcmp(a, "--colors") == 0 &&
	           cli_int(argv[*i + 1], IMG_COLORS_MIN, IMG_COLORS_MAX, &v) == 0) {
		o->colors = (int)v;
	} else if (strcmp(a, "--palette") == 0 &&
	           img_palette_parse(argv[*i + 1], &o->palette) == INK_OK) {
	} else {
		return 0;
	}
	(*i)++;
	return 1;
}

static void cli_print_report(const img_page *p)
{
	const img_report *r = &p->report;

	printf("{\"width\":%u,\"height\":%u,\"ink\":%.4f,\"specks\":%d,\"fillable\":%d,"
	       "\"slivers\":%d,\"largest\":%.4f,\"recall\":%.4f,\"detail\":%.4f,"
	       "\"precision\":%.4f,\"ok\":%s}\n",
	       p->width, p->height, r->ink, r->specks, r->fillable, r->slivers, r->largest,
	       r->recall, r->detail, r->precision, img_report_ok(r) ? "true" : "false");
}

/* One conversion per process, its stages allocating and freeing page-size buffers in turn:
 * by default glibc hands freed memory back to the kernel (a trimmed heap top, or a buffer's
 * own mapping), so the next stage's buffers - and potrace's many small ones - are fresh
 * pages, each first touch a fault (costly on a virtual machine: half of potrace's time on a
 * 12 MP photo). Here buffers under 4 MiB (byte planes, the component stack, potrace's) come
 * from the heap and the heap is not trimmed between stages, so freed pages are reused; the
 * aligned float planes (img_plane_alloc) keep their own mappings. The peak resident size
 * stays what it was. Advice only: if glibc refuses, its defaults serve. template-svc does
 * not set these: a long-running process gets the same reuse from glibc's dynamic mmap
 * threshold (raised to the size of each freed mapping) after its first conversion, without
 * pinning 64 MiB of trimmed heap in every malloc arena of its workers. */
static void cli_malloc_tune(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int main(int argc, char **argv)
{
	img_opts o;
	const char *in = NULL, *out = NULL, *title = NULL, *plain = NULL, *regions = NULL;
	int numbers = 0;
	img_paper paper = IMG_PAPER_A4;
	int report = 0, rc;
	uint8_t *data = NULL;
	size_t len = 0;
	img_page page;
	char why[256];
	ink_err err;

	cli_malloc_tune();
	img_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long v;

		if (strcmp(a, "--report") == 0) {
			report = 1;
		} else if (strcmp(a, "--numbers") == 0) {
			numbers = 1;
		} else if (cli_numbers_opt(argc, argv, &i, &o)) {
		} else if (strcmp(a, "--plain") == 0 && i + 1 < argc) {
			plain = argv[++i];
		} else if (strcmp(a, "--regions") == 0 && i + 1 < argc) {
			regions = argv[++i];
		} else if (strcmp(a, "--detail") == 0 && i + 1 < argc &&
		           cli_int(argv[i + 1], IMG_DETAIL_MIN, IMG_DETAIL_MAX, &v) == 0) {
			o.detail = (int)v;
			i++;
		} else if (strcmp(a, "--line-width") == 0 && i + 1 < argc &&
		           cli_int(argv[i + 1], IMG_LINE_WIDTH_MIN, IMG_LINE_WIDTH_MAX, &v) == 0) {
			o.line_width = (int)v;
			i++;
		} else if (strcmp(a, "--max-side") == 0 && i + 1 < argc &&
		           cli_int(argv[i + 1], IMG_PAGE_SIDE_MIN, IMG_PAGE_SIDE_MAX, &v) == 0) {
			o.max_side = (uint32_t)v;
			i++;
		} else if (strcmp(a, "--paper") == 0 && i + 1 < argc &&
		           img_paper_parse(argv[i + 1], &paper) == INK_OK) {
			i++;
		} else if (strcmp(a, "--title") == 0 && i + 1 < argc) {
			title = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "inkwell-convert: bad option or value: %s\n%s", a,
			        cli_usage);
			return CLI_EXIT_USAGE;
		} else if (in == NULL) {
			in = a;
		} else if (out == NULL) {
			out = a;
		} else {
			fprintf(stderr, "inkwell-convert: too many arguments\n%s", cli_usage);
			return CLI_EXIT_USAGE;
		}
	}
	if (in == NULL || out == NULL) {
		fputs(cli_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read(in, o.limits.max_bytes, &data, &len) != 0) {
		fprintf(stderr, "inkwell-convert: cannot read %s: %s\n", in, strerror(errno));
		return CLI_EXIT_IO;
	}
	err = img_convert(data, len, &o, report, &page, why, sizeof(why));
	free(data);
	if (err != INK_OK) {
		fprintf(stderr, "inkwell-convert: %s: %s (%s)\n", in, why, ink_strerror(err));
		return CLI_EXIT_IMAGE;
	}
	rc = cli_write_page(out, &page, paper, title);
	if (rc == 0 && page.style == IMG_STYLE_NUMBERS)
		rc = cli_write_numbers(plain, regions, &page);
	if (rc == 0 && report) {
		cli_print_report(&page);
	}
	if (rc == 0 && numbers && page.style == IMG_STYLE_NUMBERS)
		cli_print_numbers(&page);
	img_page_fini(&page);
	img_fini();
	return rc;
}
