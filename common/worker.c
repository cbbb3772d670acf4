/* worker.c - see worker.h. */
#include "worker.h"

#include "ink_assert.h"
#include <stdlib.h>

#include "log.h"

ink_err ink_worker_open(size_t size, const char *addr_var, const char *addr, int64_t timeout_ms,
                        void **state)
{
	INK_ASSERT(size >= sizeof(ink_redis *)); /* the struct starts with its connection */
	void *w = calloc(1, size);

	if (w == NULL)
		return INK_RESOURCE_EXHAUSTED;
	ink_err err = ink_redis_open(addr, (int)timeout_ms, (ink_redis **)w);
	if (err != INK_OK) {
		if (err == INK_INVALID_ARGUMENT)
			ink_log_error("%s \"%s\" is not host:port", addr_var, addr);
		else
			ink_log_error("%s \"%s\": %s", addr_var, addr, ink_strerror(err));
		free(w);
		return err;
	}
	*state = w;
	return INK_OK;
}

void ink_worker_close(void *state)
{
	if (state == NULL)
		return;
	ink_redis_close(*(ink_redis **)state);
	free(state);
}
