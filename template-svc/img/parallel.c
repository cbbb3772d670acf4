/*
 * parallel.c - row bands on two threads: the page-size filters (blur, Sobel, FDoG,
 * thinning, label smoothing) compute each output row from input rows only, so the top and
 * bottom halves of a page can run at once.
 *
 * Only worth it on a big page: below IMG_PAR_MIN_PX the thread costs more than it saves,
 * and the service already converts several photos at once on its worker threads. If a
 * thread cannot be started the work simply runs on the caller's thread.
 */
#include <pthread.h>

#include "img_priv.h"

#define IMG_PAR_MIN_PX ((size_t)250000)

typedef struct img_band {
	img_rows_fn fn;
	void *ctx;
	uint32_t y0, y1;
} img_band;

static void *img_band_run(void *arg)
{
	img_band *b = arg;

	b->fn(b->ctx, b->y0, b->y1);
	return NULL;
}

void img_par_rows(uint32_t w, uint32_t h, img_rows_fn fn, void *ctx)
{
	img_band top = {fn, ctx, 0, h / 2};
	pthread_t t;

	if ((size_t)w * h < IMG_PAR_MIN_PX || h < 2 ||
	    pthread_create(&t, NULL, img_band_run, &top) != 0) {
		fn(ctx, 0, h);
		return;
	}
	fn(ctx, h / 2, h);
	/* Joining a thread we created and did not detach cannot fail. */
	(void)pthread_join(t, NULL);
}
