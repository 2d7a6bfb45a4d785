// SPDX-License-Identifier: MIT
/* A fake libxenstore over an in-memory tree (see xen_fake.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xen_fake.h"

#define MAX_PERMS 8
#define MAX_TX 4
#define MAX_WATCHES 8
#define MAX_EVENTS 64

struct node {
	char *path;
	char *val;
	unsigned int len;
	struct xs_permissions perms[MAX_PERMS];
	unsigned int nperms;
};

struct store {
	struct node *v;
	unsigned int n, cap;
};

struct tx {
	int active;
	struct store snap;
	unsigned long gen;
};

struct watch {
	char path[128], token[64];
};

struct event {
	char path[128], token[64];
};

struct xs_handle {
	int unused;
};

int fake_xs_unavailable;
int fake_xs_fail_write_at;
int fake_xs_eagain;
void (*fake_xs_tx_hook)(void *arg);
void *fake_xs_tx_hook_arg;
unsigned int fake_xs_commits, fake_xs_aborts;

static struct store live;
static unsigned long generation;
static struct tx txs[MAX_TX];
static struct watch watches[MAX_WATCHES];
static unsigned int nwatches;
static struct event events[MAX_EVENTS];
static unsigned int nevents;
static struct xs_handle the_handle;

static void store_free(struct store *s)
{
	for (unsigned int i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].val);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int store_copy(struct store *dst, const struct store *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->v = calloc(src->cap ? src->cap : 1, sizeof(*dst->v));
	if (!dst->v)
		return -1;
	dst->cap = src->cap;
	for (unsigned int i = 0; i < src->n; i++) {
		dst->v[i] = src->v[i];
		dst->v[i].path = strdup(src->v[i].path);
		dst->v[i].val = malloc(src->v[i].len + 1);
		memcpy(dst->v[i].val, src->v[i].val, src->v[i].len + 1);
		dst->n++;
	}
	return 0;
}

static int find(const struct store *s, const char *path)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return (int)i;
	return -1;
}

/* Under @prefix (or @prefix itself). */
static int under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void queue_event(const char *path, const char *token)
{
	if (nevents >= MAX_EVENTS)
		return;
	snprintf(events[nevents].path, sizeof(events[0].path), "%s", path);
	snprintf(events[nevents].token, sizeof(events[0].token), "%s", token);
	nevents++;
}

static void fire(const char *path)
{
	for (unsigned int i = 0; i < nwatches; i++)
		if (path[0] == '@' ? strcmp(path, watches[i].path) == 0 :
		    under(path, watches[i].path))
			queue_event(path, watches[i].token);
}

void fake_xs_fire(const char *special)
{
	fire(special);
}

/* Creates @path and its missing parents; the node's index. */
static int ensure(struct store *s, const char *path)
{
	struct node *n;
	char *parent, *slash;
	int i = find(s, path), p = -1;

	if (i >= 0)
		return i;
	parent = strdup(path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		p = ensure(s, parent);
	}
	free(parent);
	if (s->n == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 64;
		struct node *g = realloc(s->v, cap * sizeof(*g));

		if (!g)
			return -1;
		s->v = g;
		s->cap = cap;
	}
	n = &s->v[s->n];
	memset(n, 0, sizeof(*n));
	n->path = strdup(path);
	n->val = strdup("");
	if (p >= 0) {
		memcpy(n->perms, s->v[p].perms, sizeof(n->perms));
		n->nperms = s->v[p].nperms;
	} else {
		n->nperms = 1;	/* owner Dom0, nobody else */
	}
	return (int)s->n++;
}

static struct store *store_of(xs_transaction_t t)
{
	if (t == XBT_NULL)
		return &live;
	if (t > MAX_TX || !txs[t - 1].active)
		return NULL;
	return &txs[t - 1].snap;
}

static void changed(xs_transaction_t t, const char *path)
{
	if (t == XBT_NULL) {
		generation++;
		fire(path);
	}
}

struct xs_handle *xs_open(unsigned long flags)
{
	(void)flags;
	if (fake_xs_unavailable) {
		errno = ECONNREFUSED;
		return NULL;
	}
	return &the_handle;
}

void xs_close(struct xs_handle *h)
{
	(void)h;
	for (unsigned int i = 0; i < MAX_TX; i++)
		if (txs[i].active) {
			store_free(&txs[i].snap);
			txs[i].active = 0;
		}
	nwatches = 0;
	nevents = 0;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	struct store *s = store_of(t);
	size_t plen = strlen(path), bytes = 0;
	unsigned int n = 0;
	char **list, *str;

	(void)h;
	if (!s || find(s, path) < 0) {
		errno = ENOENT;
		return NULL;
	}
	for (unsigned int i = 0; i < s->n; i++) {
		const char *p = s->v[i].path;

		if (strncmp(p, path, plen) == 0 && p[plen] == '/' && !strchr(p + plen + 1, '/')) {
			n++;
			bytes += strlen(p + plen + 1) + 1;
		}
	}
	/* One block, as libxenstore returns it: the caller frees the list. */
	list = malloc(n * sizeof(char *) + bytes + 1);
	if (!list) {
		errno = ENOMEM;
		return NULL;
	}
	str = (char *)(list + n);
	n = 0;
	for (unsigned int i = 0; i < s->n; i++) {
		const char *p = s->v[i].path;

		if (strncmp(p, path, plen) == 0 && p[plen] == '/' && !strchr(p + plen + 1, '/')) {
			list[n++] = str;
			strcpy(str, p + plen + 1);
			str += strlen(str) + 1;
		}
	}
	*num = n;
	return list;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	struct store *s = store_of(t);
	int i = s ? find(s, path) : -1;
	char *v;

	(void)h;
	if (i < 0) {
		errno = ENOENT;
		return NULL;
	}
	v = malloc(s->v[i].len + 1);
	memcpy(v, s->v[i].val, s->v[i].len + 1);
	if (len)
		*len = s->v[i].len;
	return v;
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len)
{
	struct store *s = store_of(t);
	int i;

	(void)h;
	if (fake_xs_fail_write_at > 0 && --fake_xs_fail_write_at == 0) {
		errno = EACCES;
		return false;
	}
	if (!s || path[0] != '/') {
		errno = EINVAL;
		return false;
	}
	i = ensure(s, path);
	if (i < 0) {
		errno = ENOMEM;
		return false;
	}
	free(s->v[i].val);
	s->v[i].val = malloc(len + 1);
	memcpy(s->v[i].val, data, len);
	s->v[i].val[len] = '\0';
	s->v[i].len = len;
	changed(t, path);
	return true;
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	struct store *s = store_of(t);

	(void)h;
	if (!s || path[0] != '/' || ensure(s, path) < 0) {
		errno = EINVAL;
		return false;
	}
	changed(t, path);
	return true;
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	struct store *s = store_of(t);
	char *parent, *slash;
	unsigned int k = 0;
	int had;

	(void)h;
	if (!s) {
		errno = EINVAL;
		return false;
	}
	had = find(s, path) >= 0;
	if (!had) {
		parent = strdup(path);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		had = find(s, parent) >= 0;
		free(parent);
		if (!had) {
			errno = ENOENT;
			return false;
		}
		return true;
	}
	for (unsigned int i = 0; i < s->n; i++) {
		if (under(s->v[i].path, path)) {
			free(s->v[i].path);
			free(s->v[i].val);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
	changed(t, path);
	return true;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
					  const char *path, unsigned int *num)
{
	struct store *s = store_of(t);
	int i = s ? find(s, path) : -1;
	struct xs_permissions *p;

	(void)h;
	if (i < 0) {
		errno = ENOENT;
		return NULL;
	}
	p = malloc(sizeof(*p) * s->v[i].nperms);
	memcpy(p, s->v[i].perms, sizeof(*p) * s->v[i].nperms);
	*num = s->v[i].nperms;
	return p;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
			struct xs_permissions *perms, unsigned int num_perms)
{
	struct store *s = store_of(t);
	int i = s ? find(s, path) : -1;

	(void)h;
	if (i < 0 || num_perms < 1 || num_perms > MAX_PERMS) {
		errno = i < 0 ? ENOENT : EINVAL;
		return false;
	}
	memcpy(s->v[i].perms, perms, sizeof(*perms) * num_perms);
	s->v[i].nperms = num_perms;
	changed(t, path);
	return true;
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	for (unsigned int i = 0; i < MAX_TX; i++)
		if (!txs[i].active) {
			if (store_copy(&txs[i].snap, &live)) {
				errno = ENOMEM;
				return XBT_NULL;
			}
			txs[i].active = 1;
			txs[i].gen = generation;
			if (fake_xs_tx_hook) {
				void (*hook)(void *) = fake_xs_tx_hook;

				fake_xs_tx_hook = NULL;
				hook(fake_xs_tx_hook_arg);
			}
			return (xs_transaction_t)(i + 1);
		}
	errno = ENOSPC;
	return XBT_NULL;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	struct tx *tx;

	(void)h;
	if (t == XBT_NULL || t > MAX_TX || !txs[t - 1].active) {
		errno = EINVAL;
		return false;
	}
	tx = &txs[t - 1];
	tx->active = 0;
	if (abort) {
		fake_xs_aborts++;
		store_free(&tx->snap);
		return true;
	}
	if (fake_xs_eagain > 0 || tx->gen != generation) {
		if (fake_xs_eagain > 0)
			fake_xs_eagain--;
		fake_xs_aborts++;
		store_free(&tx->snap);
		errno = EAGAIN;
		return false;
	}
	store_free(&live);
	live = tx->snap;
	memset(&tx->snap, 0, sizeof(tx->snap));
	generation++;
	fake_xs_commits++;
	return true;
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	(void)h;
	if (nwatches >= MAX_WATCHES) {
		errno = ENOSPC;
		return false;
	}
	snprintf(watches[nwatches].path, sizeof(watches[0].path), "%s", path);
	snprintf(watches[nwatches].token, sizeof(watches[0].token), "%s", token);
	nwatches++;
	queue_event(path, token);	/* xenstored fires a new watch once */
	return true;
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
	size_t lp, lt;
	char **v;

	(void)h;
	if (!nevents) {
		errno = EBADF;
		return NULL;
	}
	lp = strlen(events[0].path) + 1;
	lt = strlen(events[0].token) + 1;
	v = malloc(2 * sizeof(char *) + lp + lt);
	v[XS_WATCH_PATH] = (char *)(v + 2);
	v[XS_WATCH_TOKEN] = v[XS_WATCH_PATH] + lp;
	memcpy(v[XS_WATCH_PATH], events[0].path, lp);
	memcpy(v[XS_WATCH_TOKEN], events[0].token, lt);
	memmove(events, events + 1, (nevents - 1) * sizeof(events[0]));
	nevents--;
	*num = 2;
	return v;
}

/* ---- the test's side ---- */

void fake_xs_reset(void)
{
	for (unsigned int i = 0; i < MAX_TX; i++)
		if (txs[i].active) {
			store_free(&txs[i].snap);
			txs[i].active = 0;
		}
	store_free(&live);
	generation = 0;
	nwatches = 0;
	nevents = 0;
	fake_xs_unavailable = 0;
	fake_xs_fail_write_at = 0;
	fake_xs_eagain = 0;
	fake_xs_tx_hook = NULL;
	fake_xs_commits = 0;
	fake_xs_aborts = 0;
}

char *fake_xs_read(const char *path)
{
	return xs_read(&the_handle, XBT_NULL, path, NULL);
}

int fake_xs_write(const char *path, const char *val)
{
	return xs_write(&the_handle, XBT_NULL, path, val, (unsigned int)strlen(val)) ? 0 : -1;
}

int fake_xs_set_perms(const char *path, struct xs_permissions *p, unsigned int n)
{
	return xs_set_permissions(&the_handle, XBT_NULL, path, p, n) ? 0 : -1;
}

int fake_xs_perms(const char *path, struct xs_permissions *p, unsigned int max)
{
	int i = find(&live, path);

	if (i < 0 || live.v[i].nperms > max)
		return -1;
	memcpy(p, live.v[i].perms, sizeof(*p) * live.v[i].nperms);
	return (int)live.v[i].nperms;
}

unsigned int fake_xs_count(const char *path)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < live.n; i++)
		n += under(live.v[i].path, path);
	return n;
}

int fake_xs_rm(const char *path)
{
	return xs_rm(&the_handle, XBT_NULL, path) ? 0 : -1;
}
