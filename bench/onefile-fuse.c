/*
 * onefile-fuse: the smallest read-only FUSE file system that serves a local file, for measuring
 * what the kernel and libfuse allow a FUSE daemon on this machine, with no modelfs code in the way
 * (bench/fuse-bench.sh, section "ceiling").
 *
 *   onefile-fuse BACKING MOUNTPOINT [libfuse options...]     serves BACKING as MOUNTPOINT/f
 *
 * Built twice by fuse-bench.sh: against libfuse 2 (-DFUSE_USE_VERSION=26; requests of at most
 * 128 KiB, as the agent's) and against libfuse 3 (-DFUSE_USE_VERSION=31; max_read 1 MiB, so the
 * kernel sends requests of up to 1 MiB). A read is one pread of the backing file into libfuse's
 * reply buffer; with SPLICE=1 in the environment it is a read_buf that hands libfuse the file
 * descriptor instead (libfuse 2: add -o splice_write; libfuse 3 asks for splice_write itself), so the
 * reply is spliced file -> pipe -> /dev/fuse. At unmount it prints the number of reads and the
 * largest request. Content is immutable: keep_cache, long timeouts.
 */
#include <fuse.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int backing = -1;
static off_t backing_size;
static long reads, largest;

static void count(size_t size) {
  __atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED);
  long s = (long) size, seen = __atomic_load_n(&largest, __ATOMIC_RELAXED);
  while (s > seen && !__atomic_compare_exchange_n(&largest, &seen, s, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

static int attributes(const char *path, struct stat *st) {
  memset(st, 0, sizeof *st);
  if (!strcmp(path, "/")) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (!strcmp(path, "/f")) {
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = backing_size;
    return 0;
  }
  return -ENOENT;
}

#if FUSE_USE_VERSION >= 30
static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) { return attributes(path, st); }
static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  fill(buf, "f", NULL, 0, 0);
  return 0;
}
static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  conn->max_read = 1 << 20;  /* must match the max_read mount option */
  if (getenv("SPLICE")) conn->want |= FUSE_CAP_SPLICE_WRITE;
  cfg->kernel_cache = 1;
  cfg->entry_timeout = cfg->attr_timeout = 3600;
  return NULL;
}
#else
static int fs_getattr(const char *path, struct stat *st) { return attributes(path, st); }
static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi) {
  fill(buf, ".", NULL, 0);
  fill(buf, "..", NULL, 0);
  fill(buf, "f", NULL, 0);
  return 0;
}
#endif

static int fs_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, "/f")) return -ENOENT;
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
  fi->keep_cache = 1;
  return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  count(size);
  ssize_t n = pread(backing, buf, size, off);
  return n < 0 ? -errno : (int) n;
}

static int fs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off, struct fuse_file_info *fi) {
  count(size);
  struct fuse_bufvec *v = malloc(sizeof *v);  /* libfuse frees it */
  if (!v) return -ENOMEM;
  *v = (struct fuse_bufvec) FUSE_BUFVEC_INIT(size);
  v->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
  v->buf[0].fd = backing;
  v->buf[0].pos = off;
  *bufp = v;
  return 0;
}

static void fs_destroy(void *data) { fprintf(stderr, "reads=%ld largest=%ld\n", reads, largest); }

static struct fuse_operations ops = {
  .getattr = fs_getattr, .readdir = fs_readdir, .open = fs_open, .read = fs_read, .destroy = fs_destroy,
#if FUSE_USE_VERSION >= 30
  .init = fs_init,
#endif
};

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s BACKING MOUNTPOINT [libfuse options...]\n", argv[0]);
    return 2;
  }
  backing = open(argv[1], O_RDONLY);
  struct stat st;
  if (backing < 0 || fstat(backing, &st) != 0) {
    perror(argv[1]);
    return 1;
  }
  backing_size = st.st_size;
  if (getenv("SPLICE")) {
    ops.read = NULL;
    ops.read_buf = fs_read_buf;
  }
  argv[1] = argv[0];  /* libfuse's argv: program, mount point, options */
  return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
