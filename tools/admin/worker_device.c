// SPDX-License-Identifier: MIT
/*
 * Reads the worker's `device` line: key=value words, the name between
 * double quotes with \" \\ and \xHH escapes. The worker is trusted no
 * more than its socket: every field is bounded, anything else is -EPROTO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctlsock_client.h"
#include "lib/parse.h"
#include "worker_device.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The quoted name at *@p (just after the opening quote); *@p ends after it. */
static int parse_name(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	for (;;) {
		int c = (unsigned char)*s++;

		if (c == '\0' || c == '\n')
			return -EPROTO;
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*s++;
			if (c == 'x') {
				int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

				if (lo < 0)
					return -EPROTO;
				c = hi * 16 + lo;
				s += 2;
			} else if (c != '"' && c != '\\') {
				return -EPROTO;
			}
		}
		if (n + 1 >= size)
			return -EPROTO;
		out[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	out[n] = '\0';
	*p = s;
	return 0;
}

static int parse_u64_word(const char **p, uint64_t *v)
{
	char word[24];
	size_t len = strcspn(*p, " \n");

	if (!len || len >= sizeof(word))
		return -EPROTO;
	memcpy(word, *p, len);
	word[len] = '\0';
	*p += len;
	return parse_u64(word, v) ? -EPROTO : 0;
}

int worker_device_parse(const char *line, struct worker_device *d)
{
	const char *p = line;
	uint64_t gpu;
	size_t len;

	memset(d, 0, sizeof(*d));
	if (strncmp(p, "executor=", 9))
		return -EPROTO;
	p += 9;
	len = strcspn(p, " \n");
	if (!len || len >= sizeof(d->executor))
		return -EPROTO;
	memcpy(d->executor, p, len);
	p += len;
	if (strncmp(p, " name=\"", 7))
		return -EPROTO;
	p += 7;
	if (parse_name(&p, d->name, sizeof(d->name)))
		return -EPROTO;
	if (strncmp(p, " gpu=", 5))
		return -EPROTO;
	p += 5;
	if (parse_u64_word(&p, &gpu) || gpu > 1)
		return -EPROTO;
	d->gpu = (int)gpu;
	if (strncmp(p, " mem_total=", 11))
		return -EPROTO;
	p += 11;
	if (parse_u64_word(&p, &d->mem_total))
		return -EPROTO;
	if (strncmp(p, " mem_free=", 10))
		return -EPROTO;
	p += 10;
	if (parse_u64_word(&p, &d->mem_free))
		return -EPROTO;
	return (*p == '\n' || *p == '\0') ? 0 : -EPROTO;
}

int worker_device_query(const char *sock, struct worker_device *d)
{
	char *answer = NULL;
	int err = ctlsock_query(sock, "device", &answer);

	memset(d, 0, sizeof(*d));
	if (!err)
		err = worker_device_parse(answer, d);
	free(answer);
	return err;
}
