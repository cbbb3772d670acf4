/*
 * methods.c - what template-svc serves: its method table and the state each
 * RPC worker owns. Kept apart from main.c so the tests serve exactly the
 * table the binary serves.
 */
#include <stdlib.h>

#include "convert_rpc.h"
#include "forget.h"
#include "gallery.h"
#include "health.h"
#include "print.h"
#include "reports.h"
#include "svc.h"
#include "worker.h"

#define TSVC_METHOD(name) "inkwell.template.v1.Templates/" name

const ink_rpc_method tsvc_methods[] = {
    {INK_HEALTH_METHOD, tsvc_health, 0},
    {TSVC_METHOD("Convert"), tsvc_convert, 0},
    {TSVC_METHOD("Publish"), gallery_publish, 0},
    {TSVC_METHOD("ListGallery"), gallery_list, 0},
    {TSVC_METHOD("GetGalleryItem"), gallery_get, 0},
    {TSVC_METHOD("GetGalleryImage"), gallery_image, 0},
    {TSVC_METHOD("DeleteGalleryItem"), gallery_delete, 0},
    {TSVC_METHOD("ReportGalleryItem"), reports_create, 0},
    {TSVC_METHOD("ListReports"), reports_list, 0},
    {TSVC_METHOD("ResolveReport"), reports_resolve, 0},
    /* Vector and print outputs (issue 11 part 5). */
    {TSVC_METHOD("PrintPage"), print_page, 0},
    {TSVC_METHOD("GetGallerySvg"), print_gallery_svg, 0},
    {TSVC_METHOD("PrintGalleryPage"), print_gallery_page, 0},
    /* Account erasure (issue 18). */
    {TSVC_METHOD("ForgetUser"), forget_user, 0},
    {NULL, NULL, 0},
};

ink_err tsvc_worker_init(void *app, void **state)
{
	const tsvc_config *cfg = app;

	return ink_worker_open(sizeof(tsvc_worker), "PUBLIC_REDIS_ADDR", cfg->redis_addr,
	                       cfg->redis_timeout_ms, state);
}

void tsvc_worker_fini(void *app, void *state)
{
	(void)app;
	ink_worker_close(state);
}
