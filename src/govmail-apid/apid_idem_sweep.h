/*
 * apid_idem_sweep.h — govmail-apid's periodic removal of expired
 * Idempotency-Key claims from the directory (dir_idem_sweep): every
 * apid.idempotency_sweep_interval seconds, at most a bounded number each
 * time, on a connection of the pool. Every gateway sweeps; deleting a
 * claim another one already deleted is harmless.
 */
#ifndef GOVMAIL_APID_IDEM_SWEEP_H
#define GOVMAIL_APID_IDEM_SWEEP_H

struct apid_server;
struct apid_idem_sweep;

/* NULL when the interval is 0 (no sweep) or no thread could be made. */
struct apid_idem_sweep *apid_idem_sweep_start(struct apid_server *srv);
/* Stop and wait for the thread (before the pool is freed). */
void apid_idem_sweep_stop(struct apid_idem_sweep *s);

#endif
