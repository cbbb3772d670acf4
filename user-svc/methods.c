/*
 * methods.c - what user-svc serves: its method table and the state each RPC
 * worker owns. Kept apart from main.c (as template-svc's methods.c) so the
 * tests serve exactly the table the binary serves.
 */
#include "accounts.h"
#include "forward.h"
#include "health.h"
#include "library.h"
#include "manage.h"
#include "sessions.h"
#include "svc.h"
#include "unpublished.h"
#include "worker.h"

const ink_rpc_method usvc_methods[] = {
    {INK_HEALTH_METHOD, usvc_health, 0},
    {"inkwell.user.v1.Users/Register", usvc_register, 0},
    {"inkwell.user.v1.Users/Login", usvc_login, 0},
    {"inkwell.user.v1.Users/Logout", usvc_logout, 0},
    {"inkwell.user.v1.Users/Authenticate", usvc_authenticate, 0},
    {"inkwell.user.v1.Users/GetMe", usvc_get_me, 0},
    /* Account management (issue 18). */
    {"inkwell.user.v1.Users/ChangePassword", usvc_change_password, 0},
    {"inkwell.user.v1.Users/ListSessions", usvc_list_sessions, 0},
    {"inkwell.user.v1.Users/RevokeSession", usvc_revoke_session, 0},
    {"inkwell.user.v1.Users/DeleteAccount", usvc_delete_account, 0},
    {"inkwell.user.v1.Users/RemoveUser", usvc_remove_user, 0},
    {"inkwell.user.v1.Library/CreateTemplate", usvc_lib_create, 0},
    {"inkwell.user.v1.Library/ListTemplates", usvc_lib_list, INK_RPC_IDENTIFY_IN_METHOD},
    {"inkwell.user.v1.Library/GetTemplate", usvc_lib_get, INK_RPC_IDENTIFY_IN_METHOD},
    {"inkwell.user.v1.Library/GetTemplateImage", usvc_lib_image, 0},
    {"inkwell.user.v1.Library/RenameTemplate", usvc_lib_rename, 0},
    {"inkwell.user.v1.Library/DeleteTemplate", usvc_lib_delete, 0},
    {"inkwell.user.v1.Library/PublishTemplate", usvc_lib_publish, 0},
    {"inkwell.user.v1.Library/SaveGalleryItem", usvc_lib_save, 0},
    /* Vector and print outputs (issue 11 part 5). */
    {"inkwell.user.v1.Library/GetTemplateSvg", usvc_lib_svg, 0},
    {"inkwell.user.v1.Library/PrintTemplate", usvc_lib_print, 0},
    /* The gallery: template-svc's own methods, passed on with the caller. */
    {"inkwell.template.v1.Templates/ListGallery", usvc_forward, 0},
    {"inkwell.template.v1.Templates/GetGalleryItem", usvc_forward, 0},
    {"inkwell.template.v1.Templates/GetGalleryImage", usvc_forward, 0},
    {"inkwell.template.v1.Templates/DeleteGalleryItem", usvc_forward_removal, 0},
    {"inkwell.template.v1.Templates/ReportGalleryItem", usvc_forward_report, 0},
    {"inkwell.template.v1.Templates/ListReports", usvc_forward, 0},
    {"inkwell.template.v1.Templates/ResolveReport", usvc_forward_removal, 0},
    {"inkwell.template.v1.Templates/GetGallerySvg", usvc_forward, 0},
    {"inkwell.template.v1.Templates/PrintGalleryPage", usvc_forward, 0},
    {NULL, NULL, 0},
};

ink_err usvc_worker_init(void *app, void **state)
{
	const usvc_app *a = app;

	return ink_worker_open(sizeof(usvc_worker), "USERS_REDIS_ADDR", a->cfg.redis_addr,
	                       a->cfg.redis_timeout_ms, state);
}

void usvc_worker_fini(void *app, void *state)
{
	(void)app;
	ink_worker_close(state);
}
