/* clock.h - wall and monotonic milliseconds (deadlines cross processes: wall;
 * latencies stay in one: monotonic). */
#ifndef INKWELL_COMMON_CLOCK_H
#define INKWELL_COMMON_CLOCK_H

#include <stdint.h>

/* ink_now_unix_ms returns milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t ink_now_unix_ms(void);

/* ink_mono_ms returns monotonic milliseconds as a double, for latencies. */
double ink_mono_ms(void);

#endif /* INKWELL_COMMON_CLOCK_H */
