/*
 * migrate.h - `template-svc migrate-keys`: renames the public database's
 * keys from before they fitted a Redis Cluster (`public:{pid}`,
 * `published:{src}`, `report:{rid}`, `reports:open`, `copies:{sha}`,
 * `takedown:{sha}`, ...) to the `{gallery}` names of keys.h. Run once on the
 * standalone Redis, before moving the data into a cluster (RENAME across
 * slots is refused there). Safe to run again: a key already renamed is not
 * seen, and an old key whose new name exists is left alone (and counted).
 */
#ifndef INKWELL_TEMPLATE_SVC_MIGRATE_H
#define INKWELL_TEMPLATE_SVC_MIGRATE_H

#include <stddef.h>

#include "err.h"
#include "redis.h"

/* tsvc_migrate_keys renames every old-format key on r; *moved and *kept
 * count the keys renamed and those left because their new name exists.
 * Returns INK_OK, or ink_redis_cmd's error (why says which); keys renamed
 * before an error stay renamed. */
INK_WUR ink_err tsvc_migrate_keys(ink_redis *r, long *moved, long *kept, char *why, size_t why_len);

#endif /* INKWELL_TEMPLATE_SVC_MIGRATE_H */
