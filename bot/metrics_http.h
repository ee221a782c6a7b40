/* metrics_http.h — the GET /metrics endpoint (Prometheus text exposition). */
#ifndef HEALER_METRICS_HTTP_H
#define HEALER_METRICS_HTTP_H

/* Adds the /metrics route. Call before http_server_start, after store_open. */
void metrics_http_register(void);

#endif
