/* teams_token.c — the bot's outbound Bot Connector token by client credentials, cached until
 * shortly before it expires. Called from worker threads; one fetch at a time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "ingest.h"
#include "log.h"
#include "teams.h"
#include "util.h"

/* Refetch this long before expiry: a send that starts just before must not carry a token that
 * dies on the wire. */
#define TOKEN_MARGIN_MS (5 * 60 * 1000)
#define TOKEN_LIFE_MAX_S (366 * 24 * 3600)
#define TOKEN_MAX 8192

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char token[TOKEN_MAX];
static int64_t token_valid_until; /* mono ms; 0 = none */

/* POSTs the client-credentials form. Called with mu held. */
static int
token_fetch(char *err, size_t errlen)
{
	char *id = httpc_urlencode(teams_cfg.app_id),
	     *secret = httpc_urlencode(teams_cfg.app_password);
	char *scope = httpc_urlencode(TEAMS_SCOPE);
	char *form =
	    xasprintf("grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", id,
		      secret, scope);
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
				 "Accept: application/json", NULL};
	struct httpc_req req = {.method = "POST",
				.url = teams_cfg.token_url,
				.headers = headers,
				.body = form,
				.body_len = strlen(form),
				.max_response = 64 * 1024};
	struct httpc_resp resp;
	cJSON *j = NULL;
	int rc = -1;

	if (httpc_perform(&req, &resp) != 0) {
		snprintf(err, errlen, "token endpoint: %.200s", resp.err);
		goto out;
	}
	if (resp.status != 200) {
		snprintf(err, errlen, "token endpoint answered %ld", resp.status);
		goto out;
	}
	j = cJSON_ParseWithLength(resp.body, resp.body_len);
	const char *tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "access_token"));
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	if (tok == NULL || *tok == '\0' || strlen(tok) >= sizeof(token)) {
		snprintf(err, errlen, "token endpoint answer has no usable access_token");
		goto out;
	}
	/* never logged, so not registered with log_redact (which keeps a bounded list) */
	snprintf(token, sizeof(token), "%s", tok);
	/* expires_in is a number, or a string in some older endpoints; a value out of any
	 * sensible range (up to a year) is treated as absent */
	int64_t secs = 3600;
	if (cJSON_IsString(exp)) {
		long long v = strtoll(exp->valuestring, NULL, 10);
		secs = v > 0 && v <= TOKEN_LIFE_MAX_S ? v : 3600;
	} else if (json_int(exp, 1, TOKEN_LIFE_MAX_S, &secs) != 0) {
		secs = 3600;
	}
	int64_t life = secs * 1000;
	/* a token shorter-lived than the margin is used for half of its life */
	token_valid_until =
	    mono_ms() + (life > 2 * TOKEN_MARGIN_MS ? life - TOKEN_MARGIN_MS : life / 2);
	log_debug("teams: new connector token, valid %lld s", (long long)(secs));
	rc = 0;
out:
	cJSON_Delete(j);
	httpc_resp_free(&resp);
	free(form);
	free(id);
	free(secret);
	free(scope);
	return rc;
}

int
teams_token_get(char *out, size_t outlen, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&mu);
	if (token_valid_until == 0 || mono_ms() >= token_valid_until)
		rc = token_fetch(err, errlen);
	if (rc == 0 && strlen(token) >= outlen) {
		snprintf(err, errlen, "token longer than %zu bytes", outlen);
		rc = -1;
	}
	if (rc == 0)
		snprintf(out, outlen, "%s", token);
	pthread_mutex_unlock(&mu);
	return rc;
}

void
teams_token_forget(void)
{
	pthread_mutex_lock(&mu);
	token_valid_until = 0;
	pthread_mutex_unlock(&mu);
}
