/* alerts_http.h — the HTTP endpoints: alert ingest, /healthz, /metrics; alert retention. */
#ifndef HEALER_ALERTS_HTTP_H
#define HEALER_ALERTS_HTTP_H

/* Registers the routes on the HTTP server (before http_server_start) and starts the alert
 * retention timer. Loop thread, after loop_init. */
void alerts_http_register(void);
/* alerts_retention.c: HEALER_ALERT_RETENTION (default 30d; 0 = keep for ever). Deletes the
 * alert rows of incidents finished longer ago, PRUNE_BATCH rows per tick, checking at least
 * twice per retention period. Loop thread. */
void alerts_retention_start(void);

#endif
