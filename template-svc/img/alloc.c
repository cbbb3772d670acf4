/*
 * alloc.c - img_xmalloc and img_plane_alloc, the engine's allocators of page-size buffers.
 *
 * Why not plain malloc: a conversion touches some 45 MB of fresh page-size planes (float
 * planes of 3 MB on a 1000 px page, freed and allocated again stage by stage), and each
 * first touch of a 4 KiB page is a fault; measured on a 12 MP JPEG, faults were a tenth of
 * the conversion's CPU time. A buffer of 2 MiB or more starts on a 2 MiB boundary and its
 * whole 2 MiB blocks are offered to the kernel as transparent huge pages (MADV_HUGEPAGE:
 * Debian's default THP mode is "madvise"), one fault per 2 MiB instead of 512. The tail
 * under 2 MiB keeps small pages, so the resident size stays what is used. Freed with free().
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "img_priv.h"

#define IMG_HUGE_PAGE ((size_t)2 << 20)

/* Faults in the whole pages of [p, p + bytes) in one call (MADV_POPULATE_WRITE, Linux 5.14):
 * the buffer is written whole anyway, and one fault per 4 KiB page of the tail, taken by
 * whichever band's thread gets there first, was what made the bottom band of a filter
 * slower than the top. Advice only: an older kernel says EINVAL and the pages fault in as
 * before. */
static void img_populate(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)4095;

	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)bytes;
#endif
}

void *img_xmalloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return malloc(n * size != 0 ? n * size : 1);
}

void *img_plane_alloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size != 0 ? n * size : 1;
	if (bytes < IMG_HUGE_PAGE)
		return malloc(bytes);
	if (posix_memalign(&p, IMG_HUGE_PAGE, bytes) != 0)
		return NULL;
	/* Advice only: where the kernel has no huge page to give, small pages serve. */
	(void)madvise(p, bytes & ~(IMG_HUGE_PAGE - 1), MADV_HUGEPAGE);
	img_populate(p, bytes);
	return p;
}
