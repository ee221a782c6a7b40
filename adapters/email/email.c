/* email.c — the email transport: one mail per routed recipient per change of state, threaded
 * per incident, with signed approval links for recipients who hold a role. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_text.h"
#include "chat.h"
#include "config.h"
#include "crypto.h"
#include "email.h"
#include "engine.h"
#include "html.h"
#include "httpc.h"
#include "log.h"
#include "policy.h"
#include "token.h"
#include "view.h"

#define MAIL_RECIPIENTS_MAX 64
#define MAIL_SETTLE_MS 10000 /* a state that passes within this is told in the next mail */
#define MAIL_BURST 20
#define MAIL_PER_S_DEFAULT 10
#define SENT_MEMORY 1024
#define OPEN_LINK_TTL_MS (7 * 24 * 3600 * 1000LL)

static struct {
	char salt[17];	  /* per installation: Message-IDs of two healers never collide */
	char domain[256]; /* of HEALER_MAIL_FROM, the right side of every Message-ID */
	bool plain;	  /* HEALER_SMTP_TLS=none */
	bool links;	  /* a link key and a public URL are set */
} E;

/* (Message-ID, recipient) pairs delivered by this process, so a retry after a partial
 * failure sends only to those still missing; the worker thread owns it. */
static uint32_t sent[SENT_MEMORY];
static size_t nsent;
static pthread_mutex_t sent_mu = PTHREAD_MUTEX_INITIALIZER;
/* The kept SMTP connection; only post() uses it, one call at a time (the core's contract). */
static struct httpc_smtp *session;

static uint32_t
sent_key(const char *message_id, const char *to)
{
	char *s = xasprintf("%s\n%s", message_id, to);
	uint8_t h[32];

	crypto_sha256(s, strlen(s), h);
	free(s);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static bool
sent_has(uint32_t k)
{
	bool found = false;

	pthread_mutex_lock(&sent_mu);
	for (size_t i = 0; i < SENT_MEMORY && i < nsent && !found; i++)
		found = sent[i] == k;
	pthread_mutex_unlock(&sent_mu);
	return found;
}

static void
sent_add(uint32_t k)
{
	pthread_mutex_lock(&sent_mu);
	sent[nsent++ % SENT_MEMORY] = k;
	pthread_mutex_unlock(&sent_mu);
}

static int
email_start(struct chat_transport *t)
{
	const uint8_t *key;
	size_t keylen;
	const char *at;
	char hex[65];
	char *seed;

	if (cfg.smtp_url == NULL)
		return 1;
	if (strncmp(cfg.smtp_url, "smtp://", 7) != 0 && strncmp(cfg.smtp_url, "smtps://", 8) != 0) {
		log_warnx("email: HEALER_SMTP_URL must start with smtp:// or smtps://");
		return -1;
	}
	E.plain = strcmp(cfg.smtp_tls, "none") == 0;
	if (!E.plain && strcmp(cfg.smtp_tls, "required") != 0) {
		log_warnx("email: HEALER_SMTP_TLS must be required or none, not %s", cfg.smtp_tls);
		return -1;
	}
	if (E.plain && !httpc_url_is_loopback(cfg.smtp_url)) {
		log_warnx("email: HEALER_SMTP_TLS=none is allowed only for a loopback SMTP server");
		return -1;
	}
	if (cfg.mail_from == NULL || !policy_mail_address_valid(cfg.mail_from)) {
		log_warnx("email: HEALER_MAIL_FROM must be a mail address like healer@example.com");
		return -1;
	}
	/* a relay takes mail in bursts over one connection; HEALER_MAIL_PER_S is its pace */
	t->limits.per_s = cfg.mail_per_s > 0 ? cfg.mail_per_s : MAIL_PER_S_DEFAULT;
	t->limits.burst = t->limits.per_s > MAIL_BURST ? t->limits.per_s : MAIL_BURST;
	if (session == NULL)
		session = httpc_smtp_open();
	at = strchr(cfg.mail_from, '@');
	snprintf(E.domain, sizeof(E.domain), "%s", at + 1);
	seed = xasprintf("%s\n%s", cfg.mail_from, cfg.db);
	crypto_sha256_hex(seed, strlen(seed), hex);
	free(seed);
	snprintf(E.salt, sizeof(E.salt), "%.16s", hex);
	E.links = token_key(&key, &keylen) == 0 && cfg.public_url != NULL &&
		  (strncmp(cfg.public_url, "https://", 8) == 0 ||
		   strncmp(cfg.public_url, "http://", 7) == 0);
	if (!E.links)
		log_warnx(
		    "email: mails go out without links: set HEALER_LINK_KEY (32 bytes or more)"
		    " and HEALER_PUBLIC_URL (http:// or https://)");
	else
		email_act_routes();
	return 0;
}

/* The states a human acts on or must know of at once: every other state waits a little,
 * and a change within that wait is told in the one next mail. */
static const char *const mail_now_states[] = {
    "awaiting_approval", "blocked", "needs_attention", "failed", "resolved",
    "rejected",		 "expired", "rolled_back",     "closed",
};

/* The first mail of an incident (its opening) and the states above go at once; open,
 * approved, running and verifying, which pass within seconds on autopilot, are held. */
static int64_t
email_hold_ms(const cJSON *view, const struct chat_ref *ref)
{
	const char *state = view_str(view, "state");

	if (ref->msg_id[0] == '\0')
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(mail_now_states); i++)
		if (strcmp(state, mail_now_states[i]) == 0)
			return 0;
	return MAIL_SETTLE_MS;
}

static int
email_target(struct chat_transport *t, struct chat_ref *ref)
{
	(void)t;
	snprintf(ref->channel, sizeof(ref->channel), "mail");
	return 0;
}

/* The routed recipients for the view's severity and state, each once. */
static size_t
recipients(const cJSON *view, const char **out)
{
	const struct policy *p = engine_policy();
	size_t i, j, k, n = 0;

	for (i = 0; p != NULL && i < p->nmail_routes; i++) {
		const struct mail_route *r = &p->mail_routes[i];

		if (!policy_mail_route_matches(r, view_str(view, "severity"),
					       view_str(view, "state")))
			continue;
		for (j = 0; j < r->nto && n < MAIL_RECIPIENTS_MAX; j++) {
			for (k = 0; k < n && strcmp(out[k], r->to[j]) != 0; k++)
				;
			if (k == n)
				out[n++] = r->to[j];
		}
	}
	return n;
}

static const struct link_verb {
	const char *verb, *label;
	bool needs_approval; /* only while the incident awaits approval */
} link_verbs[] = {
    {"approve", "Approve", true},
    {"reject", "Reject", true},
    {"dryrun", "Dry run", true},
    {"open", "Open", false},
};

/* A signed link for one recipient and verb; NULL when it cannot be made. */
static char *
link_make(const cJSON *view, const char *user, const struct link_verb *v, int64_t now)
{
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	const uint8_t *key;
	size_t keylen;
	int64_t exp = now + OPEN_LINK_TTL_MS;
	cJSON *c = cJSON_CreateObject();
	char *tok = NULL, *url = NULL;

	/* an action link dies with the approval it asks for */
	if (v->needs_approval && time_parse_iso(view_str(act, "expires_at"), &exp) != 0)
		goto out;
	cJSON_AddStringToObject(c, "sub", user);
	cJSON_AddStringToObject(c, "verb", v->verb);
	cJSON_AddNumberToObject(c, "inc", view_num(view, "id"));
	cJSON_AddNumberToObject(c, "act", view_num(act, "id"));
	cJSON_AddNumberToObject(c, "ver", view_num(view, "version"));
	if (token_key(&key, &keylen) == 0 &&
	    token_sign(key, keylen, EMAIL_LINK_PURPOSE, c, exp, &tok) == 0)
		url = xasprintf("%s/ui/act?t=%s", cfg.public_url, tok);
out:
	free(tok);
	cJSON_Delete(c);
	return url;
}

/* Text and HTML bodies for one recipient: the card, then the links meant for them. */
static void
bodies(const cJSON *view, const char *to, int64_t now, char **text, char **html)
{
	struct buf t, h;
	char *user = xasprintf("email:%s", to), *card, *url;
	bool awaiting = strcmp(view_str(view, "state"), "awaiting_approval") == 0 &&
			cJSON_IsObject(cJSON_GetObjectItem(view, "action"));
	const struct policy *p = engine_policy();
	char roles[256] = "";
	size_t i;

	if (p != NULL)
		policy_user_roles(p, user, roles, sizeof(roles));
	buf_init(&t, HTML_MAX);
	buf_init(&h, HTML_MAX);
	card = card_text_render(view, 78, now);
	buf_printf(&t, "%s\n", card);
	free(card);
	html_page_begin(&h, view_str(view, "key"));
	card = card_html(view);
	buf_append_trunc(&h, card, strlen(card));
	free(card);
	buf_printf(&h, "<p class=\"links\">");
	for (i = 0; E.links && i < ARRAY_LEN(link_verbs); i++) {
		/* action links only for who may act; everyone routed may open the page */
		if (link_verbs[i].needs_approval && (!awaiting || roles[0] == '\0'))
			continue;
		if ((url = link_make(view, user, &link_verbs[i], now)) == NULL)
			continue;
		buf_printf(&t, "%s: %s\n", link_verbs[i].label, url);
		buf_printf(&h, "<a href=\"");
		html_attr(&h, url);
		buf_printf(&h, "\">%s</a> ", link_verbs[i].label);
		free(url);
	}
	buf_printf(&h,
		   "</p><p><small>Each link opens a confirmation page; it acts only when you "
		   "confirm there, once, as %s.</small></p>",
		   "the recipient of this mail");
	html_page_end(&h);
	*text = buf_steal(&t);
	*html = buf_steal(&h);
	free(user);
}

/* {"root": id, "mails": [{"to", "id", "msg"}]}: every message complete, rendered on the loop
 * thread where the policy and the store may be read; post() only sends. */
static char *
email_card(const cJSON *view, int64_t now)
{
	const char *to[MAIL_RECIPIENTS_MAX];
	struct chat_ref ref;
	cJSON *out = cJSON_CreateObject(), *mails = cJSON_AddArrayToObject(out, "mails"), *m;
	char root[384], mid[384], *subject = email_subject(view), *text, *html, *msg, *s;
	size_t i, n = recipients(view, to);
	int64_t id = (int64_t)view_num(view, "id");

	snprintf(root, sizeof(root), "<%s.%s@%s>", view_str(view, "key"), E.salt, E.domain);
	/* the first mail of an incident is the thread's root; the others answer it */
	bool first = chat_ref_get(EMAIL_TRANSPORT, id, &ref) != 0 || ref.msg_id[0] == '\0';
	if (first)
		snprintf(mid, sizeof(mid), "%s", root);
	else
		snprintf(mid, sizeof(mid), "<%s.v%d.%s@%s>", view_str(view, "key"),
			 (int)view_num(view, "version"), E.salt, E.domain);
	cJSON_AddStringToObject(out, "root", root);
	for (i = 0; i < n; i++) {
		bodies(view, to[i], now, &text, &html);
		struct mime_mail mm = {
		    .from = cfg.mail_from,
		    .to = to[i],
		    .subject = subject,
		    .message_id = mid,
		    .in_reply_to = first ? NULL : root,
		    .date_ms = now,
		    .text = text,
		    .html = html,
		};
		msg = mime_build(&mm);
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "to", to[i]);
		cJSON_AddStringToObject(m, "id", mid);
		cJSON_AddStringToObject(m, "msg", msg);
		cJSON_AddItemToArray(mails, m);
		free(msg);
		free(text);
		free(html);
	}
	free(subject);
	if ((s = cJSON_PrintUnformatted(out)) == NULL)
		fatalx("email: out of memory");
	cJSON_Delete(out);
	msg = xstrdup(s);
	cJSON_free(s);
	return msg;
}

/* One message per recipient: a 5xx refuses that recipient for good (logged), the others
 * still get theirs; anything else is retried, skipping who already has it. */
static void
email_post(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	cJSON *c = cJSON_Parse(card);
	const cJSON *m;
	int delivered = 0, refused = 0, later = 0;
	char err[256], last[600] = "";
	long code;

	if (c == NULL)
		fatalx("email: unparsable card payload");
	snprintf(res->op, sizeof(res->op), "SMTP");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "mails"))
	{
		const char *to = view_str(m, "to");
		uint32_t k = sent_key(view_str(m, "id"), to);

		if (sent_has(k)) {
			delivered++;
			continue;
		}
		struct httpc_mail hm = {
		    .url = cfg.smtp_url,
		    .plain = E.plain,
		    .user = cfg.smtp_user,
		    .password = cfg.smtp_password,
		    .from = cfg.mail_from,
		    .to = to,
		    .message = view_str(m, "msg"),
		    .session = session,
		};
		if (httpc_smtp_send(&hm, &code, err, sizeof(err)) == 0) {
			sent_add(k);
			delivered++;
		} else if (code >= 500 && code < 600) {
			sent_add(k); /* permanent for this recipient: never again for this mail */
			refused++;
			log_warnx("email: INC-%lld to %s refused for good: %s",
				  (long long)d->incident_id, to, err);
		} else {
			later++;
			snprintf(last, sizeof(last), "%s: %s", to, err);
		}
	}
	if (later > 0) {
		res->status = CHAT_RETRY_AFTER;
		snprintf(res->reason, sizeof(res->reason), "%d of %d not sent (%.200s)", later,
			 delivered + refused + later, last);
	} else if (refused > 0 && delivered == 0) {
		res->status = CHAT_FATAL;
		snprintf(res->reason, sizeof(res->reason), "every recipient refused");
	} else {
		res->status = CHAT_OK;
		/* the thread has a root once a mail went out; a change nobody is routed for
		 * leaves it unset, so the first mail sent is the root */
		if (delivered > 0)
			snprintf(res->msg_id, sizeof(res->msg_id), "%s", view_str(c, "root"));
	}
	cJSON_Delete(c);
}

struct chat_transport email_transport = {
    .name = EMAIL_TRANSPORT,
    .limits =
	{
	    .burst = MAIL_BURST, /* and per_s from HEALER_MAIL_PER_S, at start */
	    .per_s = MAIL_PER_S_DEFAULT,
	    .max_attempts = 0, /* a mail waits for the server as long as it takes */
	    .backoff_base_ms = 2000,
	    .backoff_max_ms = 10 * 60 * 1000,
	    .post_per_state = true, /* one mail per change of state */
	    .metric = "healer_email_sends_total",
	},
    .start = email_start,
    .target = email_target,
    .card = email_card,
    .hold_ms = email_hold_ms,
    .post = email_post,
};
