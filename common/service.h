/*
 * service.h - process lifecycle shared by every Inkwell daemon.
 *
 * Signals are blocked in every thread (so no worker is interrupted mid
 * Redis call) and collected synchronously by main with sigwait: shutdown is
 * ordinary code, not an async-signal handler.
 */
#ifndef INKWELL_COMMON_SERVICE_H
#define INKWELL_COMMON_SERVICE_H

#include "err.h"

/* ink_service_block_signals blocks SIGINT, SIGTERM and SIGPIPE in the calling
 * thread and every thread it starts later. Call first thing in main.
 * Returns INK_INTERNAL if the mask cannot be set. */
INK_WUR ink_err ink_service_block_signals(void);

/* ink_service_wait_signal waits for SIGINT or SIGTERM and returns its number. */
int ink_service_wait_signal(void);

#endif /* INKWELL_COMMON_SERVICE_H */
