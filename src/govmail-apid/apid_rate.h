/*
 * apid_rate.h — request rates of govmail-apid: one token bucket per key
 * (a client address, a token id, a person), refilled at the configured
 * requests per minute and holding at most a minute's worth, so a client
 * may burst up to its minute and is then paced. Bounded: when the table is
 * full, buckets that are full again (idle clients) are dropped first.
 * Not for: concurrency (apid.max_requests, apid_http.c).
 */
#ifndef GOVMAIL_APID_RATE_H
#define GOVMAIL_APID_RATE_H

struct apid_rate;

/* per_minute 0: no limit (apid_rate_take always allows). */
struct apid_rate *apid_rate_new(int per_minute, unsigned max_keys);
void apid_rate_free(struct apid_rate *r);

/* Take one request for key at monotonic time now (seconds): 1 allowed, or
 * 0 with *retry_after the whole seconds until one is available. */
int apid_rate_take(struct apid_rate *r, const char *key, double now,
    unsigned *retry_after);

#endif
