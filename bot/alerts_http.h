/* alerts_http.h — the HTTP endpoints: alert ingest, /healthz, /metrics; alert retention. */
#ifndef HEALER_ALERTS_HTTP_H
#define HEALER_ALERTS_HTTP_H

/* Registers the routes on the HTTP server (before http_server_start) and starts the alert
 * retention timer (HEALER_ALERT_RETENTION). Loop thread, after loop_init. */
void alerts_http_register(void);

#endif
