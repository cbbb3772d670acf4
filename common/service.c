/* service.c - see service.h. */
#include "service.h"

#include <pthread.h>
#include <signal.h>

static void service_mask(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

ink_err ink_service_block_signals(void)
{
	sigset_t set;

	service_mask(&set);
	/* A peer closing a socket must be an error return, never a kill. */
	sigaddset(&set, SIGPIPE);
	return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? INK_OK : INK_INTERNAL;
}

int ink_service_wait_signal(void)
{
	sigset_t set;
	int sig = 0;

	service_mask(&set);
	while (sigwait(&set, &sig) != 0) {
	}
	return sig;
}
