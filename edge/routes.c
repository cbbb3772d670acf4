/*
 * routes.c - the route table (see router.h for the matching rules and
 * http.h for the handler API).
 *
 * To add a route: write `void my_handler(edge_req *req)` in the module that
 * owns it (accounts.c, library_routes.c, gallery_routes.c...), declare it in that
 * module's header, include the header here and add one line below. The
 * dispatcher has already authenticated (auth column), checked the
 * Content-Type (415) and read the body within its limit (413) before the
 * handler runs. Order matters only between patterns that overlap: the first
 * match wins, so put literal segments before "{param}" ones.
 */
#include "routes.h"

#include "account_manage.h"
#include "accounts.h"
#include "edge_health.h"
#include "export.h"
#include "gallery_routes.h"
#include "http.h"
#include "library_routes.h"
#include "openapi.h"

const edge_route edge_routes[] = {
    /* method, pattern, handler, auth, body */
    {"GET", "/healthz", edge_health_healthz, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/readyz", edge_health_readyz, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/livez", edge_health_livez, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    /* nginx's own 431, proxied here for its reason phrase (http.h). */
    {"GET", "/_problem/431", edge_http_header_too_large, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    /* docs/openapi.yaml, the contract (issue 15). */
    {"GET", "/v1/openapi.json", edge_openapi_get, EDGE_AUTH_NONE, EDGE_BODY_NONE},

    /* Accounts (issue 4). */
    {"POST", "/v1/users", edge_accounts_register, EDGE_AUTH_NONE, EDGE_BODY_JSON},
    {"POST", "/v1/sessions", edge_accounts_login, EDGE_AUTH_NONE, EDGE_BODY_JSON},
    {"DELETE", "/v1/sessions/current", edge_accounts_logout, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"GET", "/v1/users/me", edge_accounts_me, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},

    /* Accounts users can manage (issue 18). */
    {"DELETE", "/v1/users/me", edge_acm_delete, EDGE_AUTH_REQUIRED, EDGE_BODY_JSON},
    {"PUT", "/v1/users/me/password", edge_acm_password, EDGE_AUTH_REQUIRED, EDGE_BODY_JSON},
    {"GET", "/v1/users/me/sessions", edge_acm_sessions, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"DELETE", "/v1/users/me/sessions/{id}", edge_acm_revoke, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"GET", "/v1/users/me/export", edge_export, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"DELETE", "/v1/admin/users/{id}", edge_acm_admin_remove, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},

    /* The private library (issue 6). */
    {"POST", "/v1/templates", edge_lib_create, EDGE_AUTH_REQUIRED, EDGE_BODY_IMAGE},
    {"GET", "/v1/templates", edge_lib_list, EDGE_AUTH_REQUIRED_IN_CALL, EDGE_BODY_NONE},
    {"GET", "/v1/templates/{id}", edge_lib_get, EDGE_AUTH_REQUIRED_IN_CALL, EDGE_BODY_NONE},
    {"PATCH", "/v1/templates/{id}", edge_lib_rename, EDGE_AUTH_REQUIRED, EDGE_BODY_JSON},
    {"DELETE", "/v1/templates/{id}", edge_lib_delete, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"GET", "/v1/templates/{id}/image", edge_lib_image, EDGE_AUTH_REQUIRED_IN_CALL, EDGE_BODY_NONE},
    {"GET", "/v1/templates/{id}/image.svg", edge_lib_svg, EDGE_AUTH_REQUIRED_IN_CALL,
     EDGE_BODY_NONE},
    {"GET", "/v1/templates/{id}/regions.png", edge_lib_regions, EDGE_AUTH_REQUIRED_IN_CALL,
     EDGE_BODY_NONE},
    {"GET", "/v1/templates/{id}/page.pdf", edge_lib_pdf, EDGE_AUTH_REQUIRED_IN_CALL,
     EDGE_BODY_NONE},
    {"POST", "/v1/templates/{id}/publish", edge_lib_publish, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},

    /* The public gallery and moderation (issue 6). Its reads answer the same
     * to everyone, so they take no token at all (issue 16): one hop, straight
     * to template-svc (call.c), and a stale or revoked token is ignored. */
    {"GET", "/v1/gallery", edge_gallery_list, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/v1/gallery/{id}", edge_gallery_get, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"DELETE", "/v1/gallery/{id}", edge_gallery_delete, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"GET", "/v1/gallery/{id}/image", edge_gallery_image, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/v1/gallery/{id}/regions.png", edge_gallery_regions, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/v1/gallery/{id}/image.svg", edge_gallery_svg, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/v1/gallery/{id}/page.pdf", edge_gallery_pdf, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"POST", "/v1/gallery/{id}/save", edge_gallery_save, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"POST", "/v1/gallery/{id}/reports", edge_gallery_report, EDGE_AUTH_REQUIRED, EDGE_BODY_JSON},
    {"GET", "/v1/admin/reports", edge_admin_reports, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"POST", "/v1/admin/reports/{id}", edge_admin_resolve, EDGE_AUTH_REQUIRED, EDGE_BODY_JSON},
};

const size_t edge_routes_len = sizeof(edge_routes) / sizeof(edge_routes[0]);
