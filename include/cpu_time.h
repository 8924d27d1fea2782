/*
 * cpu_time.h — the CPU time of the calling thread, for the cost figures
 * govmaild logs (cpu_us= of the 'dkim signed' and 'inbound-auth' lines,
 * which make bench-auth and bench-relay read).
 */
#ifndef GOVMAIL_CPU_TIME_H
#define GOVMAIL_CPU_TIME_H

/* CPU time used by this thread, microseconds (0 if it cannot be read). */
long long cpu_thread_us(void);

#endif
