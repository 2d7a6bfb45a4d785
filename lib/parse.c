// SPDX-License-Identifier: MIT
/* Decimal numbers and sizes with binary suffixes (see parse.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "parse.h"

/* Digits at s; *end gets what follows them. */
static int parse_digits(const char *s, uint64_t *out, char **end)
{
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno)
		return -1;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;

	if (parse_digits(s, &v, &end) || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;
	unsigned int shift;

	if (parse_digits(s, &v, &end))
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		*out = v;
		return 0;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -1;
	}
	end++;
	/* "M", "MB" and "MiB" alike all mean 2^20. */
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}
