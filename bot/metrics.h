/* metrics.h — counters and gauges with labels, rendered as Prometheus text. Loop thread only,
 * except metrics_inc which is also safe from workers (atomic). */
#ifndef HEALER_METRICS_H
#define HEALER_METRICS_H

#include <stddef.h>

/* Increments counter `name` with a label set like `source="sns",result="accepted"` (may be
 * ""). Counters are created on first use; `help` is used once. */
void metrics_inc(const char *name, const char *help, const char *labels);
void metrics_add(const char *name, const char *help, const char *labels, double v);
/* Gauges are computed at render time by callbacks (e.g. incidents by state from the store):
 * the callback appends complete Prometheus lines to `out` via metrics_line. */
struct buf;
typedef void (*metrics_gauge_fn)(struct buf *out, void *ctx);
void metrics_register_gauges(metrics_gauge_fn fn, void *ctx);
/* For gauge callbacks: the "# HELP" and "# TYPE name gauge" lines, once per name. */
void metrics_gauge_header(struct buf *out, const char *name, const char *help);
/* For gauge callbacks: one sample line "name{labels} value" (labels may be ""). */
void metrics_line(struct buf *out, const char *name, const char *labels, double v);
/* Forgets every counter and gauge callback (tests; exit). */
void metrics_reset(void);
/* Whole exposition text (# HELP/# TYPE, counters, then gauges); owned. */
char *metrics_render(void);

#endif
