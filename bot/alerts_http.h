/* alerts_http.h — the HTTP endpoints: alert ingest, /healthz, /metrics. */
#ifndef HEALER_ALERTS_HTTP_H
#define HEALER_ALERTS_HTTP_H

/* Registers the routes on the HTTP server (before http_server_start). */
void alerts_http_register(void);

#endif
