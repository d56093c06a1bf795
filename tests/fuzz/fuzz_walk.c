/*
 * libFuzzer target: osx_walk and osx_rmtree on a fuzzed tree.
 *
 * Input: [h] [fault syscall] [fault nth] [fault errno], then ops, each one
 * byte (op % 4) and its operands:
 *   0 LEN NAME...          a file
 *   1 LEN NAME...          a directory, and go into it
 *   2 LEN NAME... TLEN T...  a symlink to T (any bytes but NUL)
 *   3                      back to the parent directory
 * A name is 1 + LEN % 255 bytes, '/' and NUL mapped to other bytes; "." and
 * ".." and names already there are skipped.  h & 0x80: prune directories
 * chosen by name; h & 0x40: one more walk with the fault injected.
 *
 * The tree is built in a fresh directory and walked with and without
 * OSX_WALK_FOLLOW and OSX_WALK_SORT.  Every event is checked: the path is
 * the parent's path, "/" and the name; the depth is the number of open
 * directories; DIR and DIR_POST pair up; dirfd and fd are the directories
 * they claim to be; sorted siblings come in strcmp() order.  Every entry
 * not below a pruned directory is seen exactly once at its own path, with
 * its type; without FOLLOW nothing else is seen and there is no error.
 * With FOLLOW a directory reached through a symlink that lies outside the
 * tree is pruned at once (the walk may follow it, not read it), errors are
 * allowed only on symlinks, and a link maze is cut after MAX_EVENTS.
 * Then osx_rmtree removes the tree, and only the tree: a file next to it
 * (a symlink target the fuzzer can find) must survive.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <osx/osx.h>

#include "fault.h"

#define MAX_NODES 512
#define MAX_DEPTH 200
#define MAX_EVENTS 20000
#define PATH_CAP ((MAX_NODES + 1) * 257)

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "fuzz_walk.c:%d: %s\n", __LINE__, #c); \
			abort();                                              \
		}                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__ubsan_default_options(void);

/* Undefined behaviour is a finding: UBSan only prints by default. */
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

struct node {
	int parent;          /* -1 for the root */
	unsigned char type;  /* DT_REG, DT_DIR or DT_LNK */
	size_t len;
	char name[256];
	dev_t dev;           /* directories */
	ino_t ino;
	int seen;
	int hidden;          /* below a pruned directory */
};

static struct node nodes[MAX_NODES];
static int nnodes;
static unsigned char hdr;
static char base[64], root[96], sentinel[128];

/* One directory open in the walk, as the checker sees it. */
struct frame {
	int node;      /* the tree node, -1 when reached through a symlink */
	size_t pathlen;
	char last[256]; /* the previous sibling's name, for SORT */
	int have_last;
};

/* Followed links can stack every directory of the tree once. */
static struct frame frames[MAX_NODES + 1];
static char path[PATH_CAP];

static int find_child(int parent, const char *name, size_t len)
{
	for (int i = 1; i < nnodes; i++) {
		if (nodes[i].parent == parent && nodes[i].len == len &&
		    memcmp(nodes[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

static int find_dir(const struct stat *st)
{
	for (int i = 0; i < nnodes; i++) {
		if (nodes[i].type == DT_DIR && nodes[i].dev == st->st_dev &&
		    nodes[i].ino == st->st_ino)
			return i;
	}
	return -1;
}

static int is_dot(const char *s, size_t len)
{
	return s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.'));
}

/* Build the tree from the ops; returns nothing, skips what cannot be made. */
static void build(const uint8_t *data, size_t size)
{
	int fds[MAX_DEPTH + 1], cur[MAX_DEPTH + 1], depth = 0;
	size_t i = 0;
	struct stat st;

	nnodes = 1;
	memset(&nodes[0], 0, sizeof(nodes[0]));
	nodes[0].parent = -1;
	nodes[0].type = DT_DIR;
	CHECK(mkdir(root, 0755) == 0);
	fds[0] = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fds[0] >= 0 && fstat(fds[0], &st) == 0);
	nodes[0].dev = st.st_dev;
	nodes[0].ino = st.st_ino;
	cur[0] = 0;

	while (i < size && nnodes < MAX_NODES) {
		unsigned op = data[i++] % 4;
		char name[256], target[128];
		size_t len, tlen = 0;
		struct node *n;
		int r;

		if (op == 3) {
			if (depth > 0)
				close(fds[depth--]);
			continue;
		}
		if (i >= size)
			break;
		len = 1 + data[i++] % 255;
		if (len > size - i)
			break;
		for (size_t k = 0; k < len; k++) {
			char c = (char)data[i + k];

			name[k] = c == '/' ? '\x7f' : c == '\0' ? '\x01' : c;
		}
		i += len;
		name[len] = '\0';
		if (op == 2) {
			if (i >= size)
				break;
			tlen = data[i++] % sizeof(target);
			if (tlen > size - i)
				break;
			for (size_t k = 0; k < tlen; k++)
				target[k] = data[i + k] ? (char)data[i + k] : '/';
			i += tlen;
			target[tlen] = '\0';
		}
		if (is_dot(name, len))
			continue;
		if (op == 0) {
			r = openat(fds[depth], name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (r >= 0)
				close(r);
		} else if (op == 1) {
			r = depth < MAX_DEPTH ? mkdirat(fds[depth], name, 0755) : -1;
		} else {
			r = symlinkat(target, fds[depth], name);
		}
		if (r < 0)
			continue;
		n = &nodes[nnodes];
		memset(n, 0, sizeof(*n));
		n->parent = cur[depth];
		n->type = op == 0 ? DT_REG : op == 1 ? DT_DIR : DT_LNK;
		n->len = len;
		memcpy(n->name, name, len + 1);
		if (op == 1) {
			int fd = openat(fds[depth], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			CHECK(fd >= 0 && fstat(fd, &st) == 0);
			n->dev = st.st_dev;
			n->ino = st.st_ino;
			fds[++depth] = fd;
			cur[depth] = nnodes;
		}
		nnodes++;
	}
	while (depth >= 0)
		close(fds[depth--]);
}

static int prune_rule(const osx_walk_entry *ev)
{
	return (hdr & 0x80) && ev->depth > 0 &&
	       ((unsigned char)ev->ent.name[0] + ev->depth) % 3 == 0;
}

/* Mark the entries below node p (pruned) as not expected. */
static void hide_below(int p)
{
	for (int i = 1; i < nnodes; i++) {
		for (int a = nodes[i].parent; a >= 0; a = nodes[a].parent) {
			if (a == p) {
				nodes[i].hidden = 1;
				break;
			}
		}
	}
}

static void check_identity(int fd, int node)
{
	struct stat st;

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if (node >= 0)
		CHECK(st.st_dev == nodes[node].dev && st.st_ino == nodes[node].ino);
}

/*
 * One walk.  strict: the whole contract; otherwise (a fault injected) only
 * the shape: paths, depths, pairs, and any errors.
 */
static void walk(unsigned flags, int strict)
{
	osx_walk_options opt = { flags, 0 };
	int follow = flags & OSX_WALK_FOLLOW, n = 0, nev = 0;
	size_t rootlen = strlen(root);
	osx_walk_entry *ev;
	osx_error err;
	osx_walk *w;

	for (int i = 0; i < nnodes; i++)
		nodes[i].seen = nodes[i].hidden = 0;
	w = osx_walk_open(root, &opt, &err);
	if (!w) {
		CHECK(!strict && errno == err.code);
		return;
	}
	while (osx_walk_next(w, &ev) == 1) {
		struct frame *parent = n > 0 ? &frames[n - 1] : NULL;
		int node = -1;

		if (++nev > MAX_EVENTS) {
			CHECK(follow || !strict);
			break;
		}
		CHECK(ev->pathlen == strlen(ev->path));
		if (ev->event == OSX_WALK_DIR_POST) {
			CHECK(n > 0 && ev->depth == (unsigned)n - 1);
			CHECK(ev->pathlen == parent->pathlen &&
			      memcmp(ev->path, path, ev->pathlen) == 0);
			if (strict) {
				CHECK(ev->error.code == 0);
				check_identity(ev->fd, parent->node);
			}
			n--;
			continue;
		}
		CHECK(ev->depth == (unsigned)n);
		if (n == 0) {
			/* The root: first, and only once. */
			CHECK(nev == 1 && ev->pathlen == rootlen && !strcmp(ev->path, root));
			node = 0;
		} else if (!strict && ev->event == OSX_WALK_ERROR && ev->error.code == ENOMEM &&
			   ev->pathlen == parent->pathlen) {
			/* No memory to build the path: the directory's path and
			 * the entry's name apart. */
			CHECK(memcmp(ev->path, path, ev->pathlen) == 0 &&
			      ev->ent.namelen == strlen(ev->ent.name));
			continue;
		} else {
			size_t at = parent->pathlen + 1;

			CHECK(ev->ent.namelen == strlen(ev->ent.name) && ev->ent.namelen > 0 &&
			      ev->ent.namelen <= 255 && !strchr(ev->ent.name, '/'));
			CHECK(ev->pathlen == at + ev->ent.namelen &&
			      memcmp(ev->path, path, parent->pathlen) == 0 &&
			      ev->path[parent->pathlen] == '/' &&
			      ev->ent.name == ev->path + at);
			if (flags & OSX_WALK_SORT) {
				CHECK(!parent->have_last || strcmp(parent->last, ev->ent.name) < 0);
				memcpy(parent->last, ev->ent.name, ev->ent.namelen + 1);
				parent->have_last = 1;
			}
			if (strict && ev->event != OSX_WALK_ERROR)
				check_identity(ev->ent.dirfd, parent->node);
			if (parent->node >= 0) {
				node = find_child(parent->node, ev->ent.name, ev->ent.namelen);
				if (strict)
					CHECK(node >= 0);
			}
		}
		if (node >= 0) {
			nodes[node].seen++;
			if (strict && node > 0)
				CHECK(ev->ent.type == nodes[node].type);
		}
		if (ev->event == OSX_WALK_ERROR) {
			CHECK(ev->error.code != 0);
			/* Only following can fail here: a link to nowhere, a loop
			 * (a link, or a directory below a followed link). */
			if (strict)
				CHECK(follow && parent && (ev->ent.type == DT_LNK || parent->node < 0));
			if (strict && node >= 0)
				CHECK(nodes[node].type == DT_LNK);
			continue;
		}
		if (ev->event == OSX_WALK_FILE) {
			if (strict && node >= 0 && nodes[node].type == DT_DIR)
				CHECK(0);
			continue;
		}
		CHECK(ev->event == OSX_WALK_DIR);
		CHECK(n < MAX_NODES);
		if (strict) {
			struct stat st;

			/* A real directory is itself; a followed link may lead
			 * anywhere, and is only read when it leads into the tree. */
			CHECK(ev->fd >= 0 && fstat(ev->fd, &st) == 0);
			if (node >= 0 && nodes[node].type == DT_DIR) {
				check_identity(ev->fd, node);
			} else {
				/* A link at its own path, or anything below one. */
				CHECK(follow && (node < 0 || ev->ent.type == DT_LNK));
				node = -1;
				if (find_dir(&st) < 0) {
					osx_walk_prune(w);
					continue;
				}
			}
		} else if (node >= 0 && nodes[node].type != DT_DIR) {
			node = -1;
		}
		if (prune_rule(ev)) {
			osx_walk_prune(w);
			if (node >= 0)
				hide_below(node);
			continue;
		}
		CHECK(ev->pathlen < sizeof(path));
		memcpy(path, ev->path, ev->pathlen);
		frames[n].node = node;
		frames[n].pathlen = ev->pathlen;
		frames[n].have_last = 0;
		n++;
	}
	osx_walk_close(w);
	if (!strict || nev > MAX_EVENTS)
		return;
	CHECK(n == 0);
	for (int i = 0; i < nnodes; i++)
		CHECK(nodes[i].seen == !nodes[i].hidden);
}

static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	close(fd);
	return fd;
}

static void setup(void)
{
	char keep[96];
	int fd;

	if (base[0])
		return;
	snprintf(base, sizeof(base), "/tmp/osx-fuzz-walk-XXXXXX");
	CHECK(mkdtemp(base) != NULL);
	snprintf(root, sizeof(root), "%s/t", base);
	/* Outside the tree, where symlinks in it may point: "../keep/s". */
	snprintf(keep, sizeof(keep), "%s/keep", base);
	CHECK(mkdir(keep, 0755) == 0);
	snprintf(sentinel, sizeof(sentinel), "%s/keep/s", base);
	fd = open(sentinel, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int errnos[] = { EIO, ENOMEM, EACCES, EMFILE, ENOENT, ENOTDIR, ELOOP,
				      ESTALE, EINTR };
	static const enum osx__sys sys[] = { OSX__SYS_openat, OSX__SYS_fstat, OSX__SYS_fstatat,
					     OSX__SYS_getdents64, OSX__SYS_malloc,
					     OSX__SYS_calloc, OSX__SYS_realloc };
	struct stat st;
	osx_error err;
	int fd0;

	if (size < 4)
		return 0;
	setup();
	hdr = data[0];
	fd0 = next_fd();
	build(data + 4, size - 4);

	osx__fault_reset();
	for (unsigned f = 0; f < 4; f++)
		walk((f & 1 ? OSX_WALK_FOLLOW : 0) | (f & 2 ? OSX_WALK_SORT : 0), 1);
	if (hdr & 0x40) {
		osx__fault_fail(sys[data[1] % (sizeof(sys) / sizeof(sys[0]))], 1 + data[2] % 32, 1,
				errnos[data[3] % (sizeof(errnos) / sizeof(errnos[0]))]);
		walk(hdr & (OSX_WALK_FOLLOW | OSX_WALK_SORT), 0);
		osx__fault_reset();
	}
	CHECK(next_fd() == fd0);

	CHECK(osx_rmtree(root, NULL, NULL, &err) == 0);
	CHECK(lstat(root, &st) < 0 && errno == ENOENT);
	CHECK(lstat(sentinel, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(next_fd() == fd0);
	return 0;
}
