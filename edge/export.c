/*
 * export.c - GET /v1/users/me/export (issue 18): the caller's data as a ZIP
 * streamed to the connection.
 *
 * A REQ/REP reply is one message, so the archive cannot come from user-svc
 * in one piece without being held whole. Instead the edge asks for the
 * metadata first (profile, sessions, every template's record: small), sends
 * the response head, then fetches each template's PNG and SVG by its own
 * RPC and writes them as ZIP entries as it goes (chunked transfer).
 *
 * minizip writes the archive through export_stream's callbacks. It seeks
 * back once per entry to patch the entry's local header (CRC and sizes), so
 * the bytes of the current entry stay buffered until minizip seeks to the
 * end again; every entry before it is on the wire. At most one entry (one
 * template image) is in memory, never the archive.
 *
 * Until the head is sent, a failure is a problem+json answer; after it, the
 * stream ends with a malformed chunk so no client takes a short archive for
 * a whole one.
 */
#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "clock.h"
#include "content_rules.h"
#include "log.h"
#include "user.pb-c.h"
#include "views.h"

#define EXPORT_USERS   "inkwell.user.v1.Users/"
#define EXPORT_LIBRARY "inkwell.user.v1.Library/"
#define EXPORT_PAGE    100
#define EXPORT_FORMAT  "inkwell-export/1"

/* The connection as minizip's output file. */
typedef struct export_stream {
	edge_req *req;
	unsigned char *buf;    /* bytes of the current entry, not yet sent */
	size_t len, cap;       /* of buf */
	size_t pos;            /* minizip's position, relative to buf */
	unsigned long flushed; /* bytes already sent */
	int failed;            /* the client is gone or out of memory */
} export_stream;

static int export_flush(export_stream *s)
{
	if (s->failed)
		return -1;
	if (s->len > 0 && edge_send_stream_chunk(s->req, s->buf, s->len) != 0) {
		s->failed = 1;
		return -1;
	}
	s->flushed += s->len;
	s->len = s->pos = 0;
	return 0;
}

static voidpf ZCALLBACK export_open(voidpf opaque, const char *name, int mode)
{
	(void)name;
	(void)mode;
	return opaque;
}

static uLong ZCALLBACK export_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
	(void)opaque;
	(void)stream;
	(void)buf;
	(void)size;
	return 0; /* write-only */
}

static uLong ZCALLBACK export_write_cb(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
	export_stream *s = stream;

	(void)opaque;
	if (s->failed)
		return 0;
	if (s->pos + size > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 16;
		while (cap < s->pos + size)
			cap *= 2;
		unsigned char *grown = realloc(s->buf, cap);
		if (grown == NULL) {
			s->failed = 1;
			return 0;
		}
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->pos, buf, size);
	s->pos += size;
	if (s->pos > s->len)
		s->len = s->pos;
	return size;
}

static long ZCALLBACK export_tell(voidpf opaque, voidpf stream)
{
	export_stream *s = stream;

	(void)opaque;
	return (long)(s->flushed + s->pos);
}

/* export_seek moves within the buffered entry only; seeking back to its
 * end means the entry's header is final, so it is sent. */
static long ZCALLBACK export_seek(voidpf opaque, voidpf stream, uLong offset, int origin)
{
	export_stream *s = stream;
	unsigned long to = offset;

	(void)opaque;
	if (origin == ZLIB_FILEFUNC_SEEK_CUR)
		to = s->flushed + s->pos + offset;
	else if (origin == ZLIB_FILEFUNC_SEEK_END)
		to = s->flushed + s->len + offset;
	if (to < s->flushed || to > s->flushed + s->len)
		return -1;
	s->pos = to - s->flushed;
	if (s->pos == s->len)
		return export_flush(s) == 0 ? 0 : -1;
	return 0;
}

static int ZCALLBACK export_close(voidpf opaque, voidpf stream)
{
	(void)opaque;
	return export_flush(stream) == 0 ? 0 : -1;
}

static int ZCALLBACK export_error(voidpf opaque, voidpf stream)
{
	export_stream *s = stream;

	(void)opaque;
	return s->failed;
}

/* export_entry writes one entry; `deflate` 0 stores it (a PNG is already
 * compressed). Returns 0 or -1. */
static int export_entry(zipFile zf, const char *name, const void *data, size_t len, int64_t unix_ms,
                        int deflate)
{
	zip_fileinfo fi;
	time_t secs = (time_t)(unix_ms / 1000);
	struct tm tm;

	memset(&fi, 0, sizeof(fi));
	gmtime_r(&secs, &tm);
	fi.tmz_date.tm_sec = (uInt)tm.tm_sec;
	fi.tmz_date.tm_min = (uInt)tm.tm_min;
	fi.tmz_date.tm_hour = (uInt)tm.tm_hour;
	fi.tmz_date.tm_mday = (uInt)tm.tm_mday;
	fi.tmz_date.tm_mon = (uInt)tm.tm_mon;
	fi.tmz_date.tm_year = (uInt)(tm.tm_year + 1900);
	if (zipOpenNewFileInZip(zf, name, &fi, NULL, 0, NULL, 0, NULL, deflate ? Z_DEFLATED : 0,
	                        deflate ? Z_DEFAULT_COMPRESSION : 0) != ZIP_OK)
		return -1;
	int rc = zipWriteInFileInZip(zf, data, (unsigned)len) == ZIP_OK ? 0 : -1;
	if (zipCloseFileInZip(zf) != ZIP_OK)
		rc = -1;
	return rc;
}

/* What goes into account.json, gathered before the head is sent. */
typedef struct export_meta {
	Inkwell__User__V1__User *user;
	Inkwell__User__V1__SessionList *sessions;
	Inkwell__User__V1__TemplateList **pages;
	size_t n_pages;
} export_meta;

static void export_meta_fini(export_meta *m)
{
	if (m->user)
		protobuf_c_message_free_unpacked(&m->user->base, NULL);
	if (m->sessions)
		protobuf_c_message_free_unpacked(&m->sessions->base, NULL);
	for (size_t i = 0; i < m->n_pages; i++)
		protobuf_c_message_free_unpacked(&m->pages[i]->base, NULL);
	free(m->pages);
}

/* export_collect fills m; -1 when a problem was already sent. */
static int export_collect(edge_req *req, export_meta *m)
{
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	Inkwell__User__V1__SessionsRequest srq = INKWELL__USER__V1__SESSIONS_REQUEST__INIT;
	char cursor[INK_CURSOR_MAX] = "";

	m->user = (Inkwell__User__V1__User *)edge_rpc_msg(req, EXPORT_USERS "GetMe", &empty.base,
	                                                  &inkwell__user__v1__user__descriptor, 0);
	if (m->user == NULL)
		return -1;
	srq.token = req->token;
	m->sessions = (Inkwell__User__V1__SessionList *)edge_rpc_msg(
	    req, EXPORT_USERS "ListSessions", &srq.base,
	    &inkwell__user__v1__session_list__descriptor, 0);
	if (m->sessions == NULL)
		return -1;
	do {
		Inkwell__User__V1__ListTemplatesRequest lrq =
		    INKWELL__USER__V1__LIST_TEMPLATES_REQUEST__INIT;
		lrq.limit = EXPORT_PAGE;
		lrq.cursor = cursor;
		Inkwell__User__V1__TemplateList **grown =
		    realloc(m->pages, (m->n_pages + 1) * sizeof(*grown));
		if (grown == NULL) {
			edge_send_problem(req, 500, NULL, "out of memory");
			return -1;
		}
		m->pages = grown;
		Inkwell__User__V1__TemplateList *page =
		    (Inkwell__User__V1__TemplateList *)edge_rpc_msg(
		        req, EXPORT_LIBRARY "ListTemplates", &lrq.base,
		        &inkwell__user__v1__template_list__descriptor, 0);
		if (page == NULL)
			return -1;
		m->pages[m->n_pages++] = page;
		if (strlen(page->next_cursor) >= sizeof(cursor)) {
			edge_send_ink_err(req, INK_INTERNAL, "user-svc sent an overlong cursor");
			return -1;
		}
		memcpy(cursor, page->next_cursor, strlen(page->next_cursor) + 1);
	} while (cursor[0] != '\0');
	return 0;
}

/* export_account_json renders account.json (malloc'd; free), or NULL. */
static char *export_account_json(const export_meta *m)
{
	char now[40];
	json_t *sessions = json_array(), *templates = json_array();

	edge_view_time(ink_now_unix_ms(), now, sizeof(now));
	/* Any record that cannot be rendered fails the whole file (a 500 before the
	 * head is sent), never an account.json quietly missing one. */
	for (size_t i = 0; sessions && i < m->sessions->n_items; i++)
		sessions = edge_view_append(sessions, edge_view_session(m->sessions->items[i]));
	for (size_t p = 0; templates && p < m->n_pages; p++) {
		for (size_t i = 0; templates && i < m->pages[p]->n_items; i++) {
			const Inkwell__User__V1__Template *t = m->pages[p]->items[i];
			char png[64], svg[64];
			json_t *o = edge_view_template(t);
			snprintf(png, sizeof(png), "templates/%s.png", t->id);
			snprintf(svg, sizeof(svg), "templates/%s.svg", t->id);
			if (o != NULL &&
			    json_object_set_new(
			        o, "files", json_pack("{s:s, s:s}", "png", png, "svg", svg)) != 0) {
				json_decref(o);
				o = NULL;
			}
			templates = edge_view_append(templates, o);
		}
	}
	if (sessions == NULL || templates == NULL) {
		json_decref(sessions);
		json_decref(templates);
		return NULL;
	}
	json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:o}", "format", EXPORT_FORMAT, "exported_at",
	                        now, "user", edge_view_user(m->user, 1), "sessions", sessions,
	                        "templates", templates);
	char *out = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	return out;
}

/* export_image fetches template id's PNG (svg 0) or SVG (svg 1) into *img
 * (free with protobuf_c_message_free_unpacked). INK_NOT_FOUND: it has none
 * (an SVG of a template converted before SVGs were kept, or a template
 * deleted meanwhile). */
static ink_err export_image(edge_req *req, const char *id, int svg,
                            Inkwell__User__V1__TemplateImage **img)
{
	Inkwell__User__V1__TemplateRef ref = INKWELL__USER__V1__TEMPLATE_REF__INIT;
	ProtobufCBinaryData reply = {0, NULL};
	char why[256];

	ref.id = (char *)id;
	ink_err err = ink_rpc_call(
	    req->app->users,
	    svg ? EXPORT_LIBRARY "GetTemplateSvg" : EXPORT_LIBRARY "GetTemplateImage", &req->caller,
	    req->app->cfg->rpc_timeout_ms, &ref.base, &reply, why, sizeof(why));
	if (err != INK_OK) {
		if (err != INK_NOT_FOUND)
			ink_log_warn("export: template %s: %s", id, why);
		return err;
	}
	*img = inkwell__user__v1__template_image__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	return *img ? INK_OK : INK_INTERNAL;
}

/* export_template writes one template's PNG and SVG entries: 0, or -1
 * when the archive cannot go on. */
static int export_template(edge_req *req, zipFile zf, const Inkwell__User__V1__Template *t)
{
	for (int svg = 0; svg <= 1; svg++) {
		Inkwell__User__V1__TemplateImage *img = NULL;
		char name[64];
		ink_err err = export_image(req, t->id, svg, &img);
		if (err == INK_NOT_FOUND)
			continue;
		if (err != INK_OK)
			return -1;
		snprintf(name, sizeof(name), "templates/%s.%s", t->id, svg ? "svg" : "png");
		const ProtobufCBinaryData *b = svg ? &img->svg : &img->png;
		int rc = export_entry(zf, name, b->data, b->len, t->created_at_unix_ms, svg);
		protobuf_c_message_free_unpacked(&img->base, NULL);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* export_write streams the archive after the head; 0 when it is whole. */
static int export_write(edge_req *req, const export_meta *m, const char *account)
{
	export_stream s = {.req = req};
	zlib_filefunc_def io = {
	    .zopen_file = export_open,
	    .zread_file = export_read,
	    .zwrite_file = export_write_cb,
	    .ztell_file = export_tell,
	    .zseek_file = export_seek,
	    .zclose_file = export_close,
	    .zerror_file = export_error,
	    .opaque = &s,
	};
	zipFile zf = zipOpen2("inkwell-export.zip", APPEND_STATUS_CREATE, NULL, &io);
	int rc = zf ? 0 : -1;

	if (rc == 0)
		rc = export_entry(zf, "account.json", account, strlen(account), ink_now_unix_ms(),
		                  1);
	for (size_t p = 0; rc == 0 && p < m->n_pages; p++)
		for (size_t i = 0; rc == 0 && i < m->pages[p]->n_items; i++)
			rc = export_template(req, zf, m->pages[p]->items[i]);
	if (zf != NULL && zipClose(zf, NULL) != ZIP_OK)
		rc = -1;
	free(s.buf);
	return rc == 0 && !s.failed ? 0 : -1;
}

void edge_export(edge_req *req)
{
	export_meta m = {0};
	char *account = NULL;

	if (export_collect(req, &m) != 0)
		goto out;
	account = export_account_json(&m);
	if (account == NULL) {
		edge_send_problem(req, 500, NULL, "out of memory");
		goto out;
	}
	/* nginx passes the stream on as it comes instead of spooling it. */
	if (edge_add_header(req, "Content-Disposition",
	                    "attachment; filename=\"inkwell-export.zip\"") != 0 ||
	    edge_add_header(req, "X-Accel-Buffering", "no") != 0) {
		edge_send_problem(req, 500, NULL, "a response header could not be set");
		goto out;
	}
	if (edge_send_stream_begin(req, 200, "application/zip") != 0)
		goto out;
	if (req->is_head) {
		edge_send_stream_end(req, 1);
		goto out;
	}
	int whole = export_write(req, &m, account) == 0;
	if (!whole)
		ink_log_warn("export for user %s broken off", req->caller_user_id);
	if (edge_send_stream_end(req, whole) != 0)
		ink_log_warn("export for user %s: client gone", req->caller_user_id);
out:
	free(account);
	export_meta_fini(&m);
}
