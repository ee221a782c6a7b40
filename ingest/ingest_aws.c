/* ingest_aws.c — CloudWatch alarms as SNS Message JSON and as EventBridge state-change events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "util.h"

#define EB_SOURCE "aws.cloudwatch"
#define EB_DETAIL_TYPE "CloudWatch Alarm State Change"
/* An alarm's own severity is unknown to AWS; most paging alarms are urgent but not outages. */
#define AWS_DEFAULT_SEVERITY "sev2"

/* What a state value means for us: 1 = not an alert state (INSUFFICIENT_DATA: the metric is
 * missing, nothing fired or cleared), 0 = *firing set, -1 = unknown value. */
static int
alarm_state(const char *value, const char *path, const char *name, bool *firing, char *err,
	    size_t errlen)
{
	if (strcmp(value, "ALARM") == 0 || strcmp(value, "OK") == 0) {
		*firing = value[0] == 'A';
		return 0;
	}
	if (strcmp(value, "INSUFFICIENT_DATA") == 0)
		return 1;
	return ingest_path_fail(err, errlen, path, name, "must be ALARM, OK or INSUFFICIENT_DATA");
}

/* Fields common to both AWS shapes, filled into a new alert of the batch. */
struct aws_alarm {
	const char *name, *fingerprint, *changed, *desc, *reason, *arn, *resource;
	char *dedup_key;
	cJSON *labels;
	bool firing;
	int64_t changed_ms;
};

static void
aws_alarm_emit(struct aws_alarm *w, enum alert_source src, struct alert_batch *b)
{
	struct alert *a = ingest_alert_new(b, src);
	const char *sev = ingest_severity_token(w->desc);

	a->fingerprint = xstrdup(w->fingerprint);
	a->dedup_key = w->dedup_key;
	w->dedup_key = NULL; /* owned by the alert now */
	a->title = ingest_title(w->name, w->resource);
	a->severity = xstrdup(sev ? sev : AWS_DEFAULT_SEVERITY);
	a->resource = xstrdup(w->resource ? w->resource : w->name);
	a->url = xstrdup(w->arn);
	a->labels = w->labels;
	w->labels = NULL;
	a->annotations = cJSON_CreateObject();
	ingest_label_add(a->annotations, "description", w->desc);
	ingest_label_add(a->annotations, "reason", w->reason);
	a->firing = w->firing;
	a->starts_at_ms = w->changed_ms;
}

/* Trigger.Dimensions: [{"name","value"}…] into labels; the first value is the resource. */
static int
cw_dimensions(const cJSON *dims, struct aws_alarm *w, char *err, size_t errlen)
{
	const cJSON *d;
	const char *dn, *dv;
	char path[48];
	int i = 0;

	cJSON_ArrayForEach(d, dims)
	{
		snprintf(path, sizeof(path), "Trigger.Dimensions[%d]", i++);
		if (!cJSON_IsObject(d))
			return ingest_path_fail(err, errlen, path, NULL, "must be an object");
		if (ingest_field_str(d, path, "name", true, &dn, err, errlen) != 0 ||
		    ingest_field_str(d, path, "value", true, &dv, err, errlen) != 0)
			return -1;
		ingest_label_add(w->labels, dn, dv);
		if (w->resource == NULL && dv[0] != '\0')
			w->resource = dv;
	}
	return 0;
}

int
ingest_parse_cloudwatch(const cJSON *root, const char *hint, struct alert_batch *b, char *err,
			size_t errlen)
{
	struct aws_alarm w = {0};
	const cJSON *trig, *dims;
	const char *state, *account, *region, *ns, *metric;
	char *fp = NULL;
	int rc = -1, r;

	if (ingest_field_str(root, "", "AlarmName", true, &w.name, err, errlen) != 0 ||
	    ingest_field_str(root, "", "NewStateValue", true, &state, err, errlen) != 0 ||
	    ingest_field_str(root, "", "StateChangeTime", true, &w.changed, err, errlen) != 0 ||
	    ingest_field_str(root, "", "AlarmArn", false, &w.arn, err, errlen) != 0 ||
	    ingest_field_str(root, "", "AWSAccountId", false, &account, err, errlen) != 0 ||
	    ingest_field_str(root, "", "Region", false, &region, err, errlen) != 0 ||
	    ingest_field_str(root, "", "AlarmDescription", false, &w.desc, err, errlen) != 0 ||
	    ingest_field_str(root, "", "NewStateReason", false, &w.reason, err, errlen) != 0 ||
	    ingest_field(root, "", "Trigger", INGEST_OBJECT, false, &trig, err, errlen) != 0 ||
	    ingest_field_str(trig, "Trigger", "Namespace", false, &ns, err, errlen) != 0 ||
	    ingest_field_str(trig, "Trigger", "MetricName", false, &metric, err, errlen) != 0 ||
	    ingest_field(trig, "Trigger", "Dimensions", INGEST_ARRAY, false, &dims, err, errlen) !=
		0)
		goto out;
	if (time_parse_iso(w.changed, &w.changed_ms) != 0) {
		ingest_path_fail(err, errlen, "", "StateChangeTime", "must be an ISO 8601 time");
		goto out;
	}
	if ((r = alarm_state(state, "", "NewStateValue", &w.firing, err, errlen)) != 0) {
		rc = r > 0 ? 0 : -1; /* INSUFFICIENT_DATA: an empty batch, not an error */
		goto out;
	}
	/* Older messages lack AlarmArn; account + region + name is as unique. */
	if (w.arn != NULL && w.arn[0] != '\0') {
		w.fingerprint = w.arn;
	} else {
		w.arn = NULL;
		if (ingest_field_str(root, "", "AWSAccountId", true, &account, err, errlen) != 0 ||
		    ingest_field_str(root, "", "Region", true, &region, err, errlen) != 0)
			goto out;
		w.fingerprint = fp = xasprintf("cw:%s:%s:%s", account, region, w.name);
	}
	w.labels = cJSON_CreateObject();
	ingest_label_add(w.labels, "alertname", w.name);
	ingest_label_add(w.labels, "namespace", ns);
	ingest_label_add(w.labels, "metric", metric);
	ingest_label_add(w.labels, "account", account);
	ingest_label_add(w.labels, "region", region);
	if (cw_dimensions(dims, &w, err, errlen) != 0)
		goto out;
	w.dedup_key = hint != NULL && hint[0] != '\0'
			  ? xasprintf("sns:%s", hint)
			  : xasprintf("cw:%s:%s:%s", w.fingerprint, w.changed, state);
	aws_alarm_emit(&w, SRC_SNS, b);
	rc = 0;
out:
	cJSON_Delete(w.labels);
	free(w.dedup_key);
	free(fp);
	return rc;
}

/* The first configuration.metrics[] entry with a metricStat: namespace, name, dimensions.
 * Metric-math entries ({"id","expression"}) carry none and are skipped. */
static int
eb_metric(const cJSON *metrics, struct aws_alarm *w, char *err, size_t errlen)
{
	const cJSON *m, *stat = NULL, *metric, *jd, *d;
	const char *ns, *name;
	cJSON *dims = NULL;
	char path[96];
	int i = 0;

	cJSON_ArrayForEach(m, metrics)
	{
		snprintf(path, sizeof(path), "detail.configuration.metrics[%d]", i++);
		if (!cJSON_IsObject(m))
			return ingest_path_fail(err, errlen, path, NULL, "must be an object");
		if (ingest_field(m, path, "metricStat", INGEST_OBJECT, false, &stat, err, errlen) !=
		    0)
			return -1;
		if (stat != NULL)
			break;
	}
	if (m == NULL)
		return 0;
	strncat(path, ".metricStat", sizeof(path) - strlen(path) - 1);
	if (ingest_field(stat, path, "metric", INGEST_OBJECT, false, &metric, err, errlen) != 0)
		return -1;
	strncat(path, ".metric", sizeof(path) - strlen(path) - 1);
	if (ingest_field_str(metric, path, "namespace", false, &ns, err, errlen) != 0 ||
	    ingest_field_str(metric, path, "name", false, &name, err, errlen) != 0 ||
	    ingest_field(metric, path, "dimensions", INGEST_OBJECT, false, &jd, err, errlen) != 0)
		return -1;
	strncat(path, ".dimensions", sizeof(path) - strlen(path) - 1);
	if (ingest_copy_strings(jd, path, &dims, err, errlen) != 0)
		return -1;
	ingest_label_add(w->labels, "namespace", ns);
	ingest_label_add(w->labels, "metric", name);
	cJSON_ArrayForEach(d, jd)
	{
		ingest_label_add(w->labels, d->string, d->valuestring);
		if (w->resource == NULL && d->valuestring[0] != '\0')
			w->resource = d->valuestring; /* borrowed from the body, like the rest */
	}
	cJSON_Delete(dims);
	return 0;
}

int
ingest_parse_eventbridge(const cJSON *root, const char *hint, struct alert_batch *b, char *err,
			 size_t errlen)
{
	struct aws_alarm w = {0};
	const cJSON *res, *detail, *st, *conf, *metrics, *first;
	const char *source, *dtype, *id, *account, *region, *evtime, *state, *ts;
	int rc = -1, r;

	(void)hint; /* the event's own id names the delivery */
	if (ingest_field_str(root, "", "source", true, &source, err, errlen) != 0 ||
	    ingest_field_str(root, "", "detail-type", true, &dtype, err, errlen) != 0)
		goto out;
	if (strcmp(source, EB_SOURCE) != 0) {
		snprintf(err, errlen, "field 'source' must be \"%s\" (got '%.64s')", EB_SOURCE,
			 source);
		goto out;
	}
	if (strcmp(dtype, EB_DETAIL_TYPE) != 0) {
		snprintf(err, errlen, "field 'detail-type' must be \"%s\" (got '%.64s')",
			 EB_DETAIL_TYPE, dtype);
		goto out;
	}
	if (ingest_field_str(root, "", "id", true, &id, err, errlen) != 0 ||
	    ingest_field_str(root, "", "account", false, &account, err, errlen) != 0 ||
	    ingest_field_str(root, "", "region", false, &region, err, errlen) != 0 ||
	    ingest_field_str(root, "", "time", false, &evtime, err, errlen) != 0 ||
	    ingest_field(root, "", "resources", INGEST_ARRAY, true, &res, err, errlen) != 0)
		goto out;
	first = cJSON_GetArrayItem(res, 0);
	if (first == NULL || !cJSON_IsString(first) || first->valuestring[0] == '\0') {
		ingest_path_fail(err, errlen, "resources[0]", NULL,
				 first == NULL ? "missing" : "must be a non-empty string");
		goto out;
	}
	w.arn = w.fingerprint = first->valuestring;
	if (ingest_field(root, "", "detail", INGEST_OBJECT, true, &detail, err, errlen) != 0 ||
	    ingest_field_str(detail, "detail", "alarmName", true, &w.name, err, errlen) != 0 ||
	    ingest_field(detail, "detail", "state", INGEST_OBJECT, true, &st, err, errlen) != 0 ||
	    ingest_field_str(st, "detail.state", "value", true, &state, err, errlen) != 0 ||
	    ingest_field_str(st, "detail.state", "reason", false, &w.reason, err, errlen) != 0 ||
	    ingest_field_str(st, "detail.state", "timestamp", evtime == NULL, &ts, err, errlen) !=
		0 ||
	    ingest_field(detail, "detail", "configuration", INGEST_OBJECT, false, &conf, err,
			 errlen) != 0 ||
	    ingest_field_str(conf, "detail.configuration", "description", false, &w.desc, err,
			     errlen) != 0 ||
	    ingest_field(conf, "detail.configuration", "metrics", INGEST_ARRAY, false, &metrics,
			 err, errlen) != 0)
		goto out;
	w.changed = ts != NULL ? ts : evtime;
	if (time_parse_iso(w.changed, &w.changed_ms) != 0) {
		ingest_path_fail(err, errlen, ts != NULL ? "detail.state" : "",
				 ts != NULL ? "timestamp" : "time", "must be an ISO 8601 time");
		goto out;
	}
	if ((r = alarm_state(state, "detail.state", "value", &w.firing, err, errlen)) != 0) {
		rc = r > 0 ? 0 : -1; /* INSUFFICIENT_DATA: an empty batch, not an error */
		goto out;
	}
	w.labels = cJSON_CreateObject();
	ingest_label_add(w.labels, "alertname", w.name);
	ingest_label_add(w.labels, "region", region);
	ingest_label_add(w.labels, "account", account);
	if (eb_metric(metrics, &w, err, errlen) != 0)
		goto out;
	w.dedup_key = xasprintf("eb:%s", id);
	aws_alarm_emit(&w, SRC_EVENTBRIDGE, b);
	rc = 0;
out:
	cJSON_Delete(w.labels);
	free(w.dedup_key);
	return rc;
}
