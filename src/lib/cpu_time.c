/*
 * cpu_time.c — the calling thread's CPU time (see cpu_time.h).
 */
#include <time.h>

#include "cpu_time.h"

long long
cpu_thread_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
