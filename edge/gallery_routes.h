/*
 * gallery_routes.h - the public gallery and its moderation (/v1/gallery...,
 * /v1/admin/reports...). Reading is for anyone; saving, reporting and
 * removing need a token; template-svc decides who may remove (publisher or
 * admin: 403 otherwise) and who sees reports (admins).
 */
#ifndef INKWELL_EDGE_GALLERY_ROUTES_H
#define INKWELL_EDGE_GALLERY_ROUTES_H

#include "http.h"

void edge_gallery_list(edge_req *req);    /* GET /v1/gallery?limit=&cursor= */
void edge_gallery_get(edge_req *req);     /* GET /v1/gallery/{id} */
void edge_gallery_image(edge_req *req);   /* GET /v1/gallery/{id}/image?numbers= */
void edge_gallery_regions(edge_req *req); /* GET /v1/gallery/{id}/regions.png (issue 19) */
void edge_gallery_svg(edge_req *req);     /* GET /v1/gallery/{id}/image.svg */
void edge_gallery_pdf(edge_req *req);     /* GET /v1/gallery/{id}/page.pdf?paper= */
void edge_gallery_save(edge_req *req);    /* POST /v1/gallery/{id}/save -> 201 template */
void edge_gallery_delete(edge_req *req);  /* DELETE /v1/gallery/{id} -> 204 / 403 */
void edge_gallery_report(edge_req *req);  /* POST /v1/gallery/{id}/reports {"reason"} -> 201 */
void edge_admin_reports(edge_req *req);   /* GET /v1/admin/reports */
void edge_admin_resolve(edge_req *req);   /* POST /v1/admin/reports/{id} {"action"} */

#endif /* INKWELL_EDGE_GALLERY_ROUTES_H */
