/* util.c — allocation that aborts on OOM, capped byte buffers, time and duration helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		fatalx("out of memory (%zu × %zu bytes)", n, sz);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory (asprintf)");
	va_end(ap);
	return s;
}

void
buf_init(struct buf *b, size_t cap_limit)
{
	memset(b, 0, sizeof(*b));
	b->cap_limit = cap_limit;
}

static void
buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 256;
	while (n < need)
		n *= 2;
	b->data = xrealloc(b->data, n);
	b->alloc = n;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->cap_limit && b->len + n > b->cap_limit) {
		b->overflow = true;
		return -1;
	}
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

void
buf_append_trunc(struct buf *b, const void *p, size_t n)
{
	if (b->cap_limit && b->len + n > b->cap_limit) {
		n = b->cap_limit - b->len;
		b->overflow = true;
	}
	if (n > 0 || b->data == NULL) {
		buf_reserve(b, n);
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	}
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[512], *s = small;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		s = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	int rc = buf_append(b, s, (size_t)n);
	if (s != small)
		free(s);
	return rc;
}

char *
buf_steal(struct buf *b)
{
	char *d = b->data ? b->data : xstrdup("");
	size_t cap = b->cap_limit;

	buf_init(b, cap);
	return d;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->cap_limit);
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int
time_parse_iso(const char *s, int64_t *out_ms)
{
	int y, mo, d, h, mi, sec, ms = 0;
	const char *p = s;

	if (s == NULL || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (*p == '.') {
		int scale = 100;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			ms += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	int64_t off_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om))
			return -1;
		off_min = sign * (oh * 60 + om);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off_min * 60;
	*out_ms = secs * 1000 + ms;
	return 0;
}

void
time_format_iso(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int
duration_parse(const char *s, int64_t *out_ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	int64_t total = 0;
	const char *p = s;

	if (s == NULL || *s == '\0')
		return -1;
	while (*p) {
		if (*p < '0' || *p > '9')
			return -1;
		int64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p - '0');
			if (v > 10000000000LL)
				return -1;
			p++;
		}
		if (*p == '\0') {
			if (p == s + strlen(s) && total == 0 &&
			    strspn(s, "0123456789") == strlen(s)) {
				*out_ms = v * 1000; /* bare number = seconds */
				return 0;
			}
			return -1;
		}
		size_t i;
		for (i = 0; i < ARRAY_LEN(units); i++) {
			size_t ul = strlen(units[i].unit);
			/* "m" must not swallow the "m" of "ms" */
			if (strncmp(p, units[i].unit, ul) == 0 &&
			    !(ul == 1 && p[0] == 'm' && p[1] == 's'))
				break;
		}
		if (i == ARRAY_LEN(units))
			return -1;
		total += v * units[i].ms;
		p += strlen(units[i].unit);
	}
	*out_ms = total;
	return 0;
}

void
duration_format(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(out, outlen, "%lld ms", (long long)ms);
	else if (s < 60)
		snprintf(out, outlen, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(out, outlen, "%lld min %lld s", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, outlen, "%lld h %lld min", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
}

bool
ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

char *
utf8_truncate(const char *s, size_t max)
{
	static const char ell[] = "…";
	size_t len = strlen(s);

	if (len <= max)
		return xstrdup(s);
	if (max < sizeof(ell) - 1)
		return xstrdup("");
	size_t cut = max - (sizeof(ell) - 1);
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	char *d = xmalloc(cut + sizeof(ell));
	memcpy(d, s, cut);
	memcpy(d + cut, ell, sizeof(ell));
	return d;
}

int
file_read_all(const char *path, size_t cap, char **out, size_t *outlen)
{
	struct buf b;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	buf_init(&b, cap);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (buf_append(&b, chunk, (size_t)n) < 0) {
			buf_free(&b);
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	int saved = errno;
	close(fd);
	if (n < 0) {
		buf_free(&b);
		errno = saved;
		return -1;
	}
	if (outlen)
		*outlen = b.len;
	*out = buf_steal(&b);
	return 0;
}

/* Length of the well-formed UTF-8 sequence at p (1–4), or 0: overlong forms, surrogates and
 * code points past U+10FFFF are not well formed. p is NUL-terminated. */
size_t
utf8_seq_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4)
		return 0;
	n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

char *
utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_seq_len(p)) == 0)
			*p++ = '?';
		else
			p += n;
	}
	return s;
}
