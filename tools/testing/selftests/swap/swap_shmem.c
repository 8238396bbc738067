// SPDX-License-Identifier: GPL-2.0
/*
 * swap_shmem: shmem (tmpfs, memfd) pages must read back exactly as written
 * after they went to swap, through a page fault and through read(); and
 * anonymous pages moved by UFFDIO_MOVE while swapped out must follow the
 * move as swap entries and read back at their new address.
 *
 *   tmpfs_pageout  a file on a tmpfs the case mounts (/tmp/swap_shmem-PID),
 *                  paged out through a shared mapping, read back through
 *                  the mapping
 *   memfd_pageout  the same with a memfd
 *   tmpfs_read     a tmpfs file paged out, read back with pread(): the
 *                  swap-in of shmem_get_folio(), no page fault
 *   uffd_move      UFFDIO_MOVE of swapped-out anonymous pages: the swap
 *                  entries move (mm/userfaultfd.c move_swap_pte()), half of
 *                  them with their folio still in the swap cache where the
 *                  backend writes asynchronously, half without one
 *
 * How each case proves that the data went to and came back from the swap
 * backend: pagemap does not show swap entries of shmem, so a shmem mapping's
 * "Swap:" in /proc/self/smaps says how much of the file is in swap, and
 * mincore() on it says which pages are in memory, page cache or swap cache.
 * Each case runs in a child in a cgroup of its own, whose memory.reclaim
 * evicts the pages until none is in memory; then the file must be all in
 * swap, pswpout + zswpout + swpout_zero must have risen by at least its
 * pages, every byte must read back as written (patterns derived from the
 * address and a seed, see swap_util.c), pswpin + zswpin + swpin_zero must
 * have risen by at least its pages, and afterwards the file has no swap
 * left and is all in memory.  uffd_move checks the same with pagemap on
 * the anonymous pages.  Once a case is over, no swap or zswap may stay
 * charged to its cgroup.
 *
 * shmem swaps out only where there is swap: a swap area, or zswap with
 * virtual swap (CONFIG_VIRTUAL_SWAP).  Without either every case fails,
 * saying so.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/types.h>
#include <linux/userfaultfd.h>

#include "kselftest.h"
#include "swap_util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE	(1 << 16)
#endif
/* Linux 6.8 uapi, for older installed headers */
#ifndef UFFDIO_MOVE
#define _UFFDIO_MOVE		(0x05)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};

#define UFFDIO_MOVE		_IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif

#define DROP_TRIES	40
#define MOUNT_DIR_FMT	"/tmp/swap_shmem-%d"

struct tcase {
	const char *name;
	int (*fn)(const struct tcase *tc);
	size_t mib;		/* default working set */
};

static struct common_opts opt;
static const char *opt_only;

static size_t case_size(const struct tcase *tc)
{
	return opt.size ? opt.size : tc->mib * MiB;
}

static uint64_t vmstat_key(const char *key)
{
	uint64_t v = 0;

	read_key("/proc/vmstat", key, &v);
	return v;
}

/* Can this kernel swap at all: a swap area, or zswap with virtual swap? */
static bool swap_ready(const char *what)
{
	if (swaps_find(NULL, NULL) > 0 || (vswap_enabled() && zswap_enabled()))
		return true;
	ksft_print_msg("%s: this kernel cannot swap: no swap area in /proc/swaps, %s\n",
		       what, vswap_enabled() ?
		       "and zswap is off (virtual swap needs zswap or a swap area)" :
		       "and no virtual swap (without it, zswap needs a swap area behind it)");
	return false;
}

/*
 * At least @want pages went to a backend.  A page virtual swap kept in
 * memory because no backend took it (vswap_reject) has a swap entry but
 * was not written: it does not count.
 */
static bool left_memory(const char *what, const struct vmstat *before,
			const struct vmstat *after, uint64_t want,
			uint64_t reject0)
{
	uint64_t got = swapouts(before, after);
	bool ok = swapped_out(what, before, after);

	if (got >= want)
		return ok;
	ksft_print_msg("%s: %" PRIu64
		       " pages written to a backend (pswpout + zswpout + swpout_zero), want at least the %"
		       PRIu64 " swapped out; vswap_reject +%" PRIu64 "\n",
		       what, got, want, vmstat_key("vswap_reject") - reject0);
	return false;
}

/* Pages of @buf in memory by mincore(): mapped, page cache or swap cache. */
static long resident_pages(const void *buf, size_t len)
{
	size_t ps = page_size(), n = len / ps, done, cnt, i;
	unsigned char vec[512];
	long res = 0;

	for (done = 0; done < n; done += cnt) {
		cnt = n - done < sizeof(vec) ? n - done : sizeof(vec);
		if (mincore((char *)buf + done * ps, cnt * ps, vec)) {
			ksft_perror("mincore");
			return -1;
		}
		for (i = 0; i < cnt; i++)
			res += vec[i] & 1;
	}
	return res;
}

/*
 * "Swap:" in kB of the mapping that starts at @addr, from /proc/self/smaps.
 * For a shmem mapping of a whole file it is all of the file's swap,
 * including pages whose folio is still in the swap cache.
 */
static long smaps_swap_kb(const void *addr)
{
	unsigned long start, end;
	char line[512], perms[8];
	bool in = false;
	long kb = -1, v;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f) {
		ksft_perror("open /proc/self/smaps");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's first line; "Key: value" lines do not parse */
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3) {
			if (in)
				break;
			in = start == (uintptr_t)addr;
			continue;
		}
		if (in && sscanf(line, "Swap: %ld kB", &v) == 1) {
			kb = v;
			break;
		}
	}
	fclose(f);
	if (kb < 0)
		ksft_print_msg("no \"Swap:\" for the mapping at %p in /proc/self/smaps\n",
			       addr);
	return kb;
}

/*
 * Evict a shmem mapping from memory: its pages still mapped (paged out
 * again) and those in the swap cache (through memory.reclaim of this
 * task's cgroup, as swapcache_drop() does for anonymous memory), until
 * mincore() shows none.  Then the whole file must be in swap.  Returns the
 * pages in swap, or -1.
 */
static long shm_drop(const char *what, void *buf, size_t len)
{
	char cg[PATH_MAX], path[PATH_MAX + 16], val[32];
	long resident, kb, least = -1;
	int tries, stalls = 0;

	if (cg_self(cg, sizeof(cg))) {
		ksft_print_msg("%s: cannot find this task's cgroup\n", what);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/memory.reclaim", cg);
	for (tries = 0; ; tries++) {
		resident = resident_pages(buf, len);
		if (resident < 0)
			return -1;
		if (!resident)
			break;
		if (tries == DROP_TRIES) {
			ksft_print_msg("%s: %ld of %zu pages still in memory after %d reclaims\n",
				       what, resident, len / page_size(), tries);
			return -1;
		}
		/* writeback still in flight: reclaim skips those folios */
		if (tries)
			usleep(5000 * tries);
		/*
		 * A folio can wait in another CPU's LRU batch, which reclaim
		 * here does not drain: when three rounds freed nothing, drain
		 * every CPU's (compaction starts with lru_add_drain_all()).
		 */
		if (least < 0 || resident < least) {
			least = resident;
			stalls = 0;
		} else if (++stalls % 3 == 0) {
			write_str("/proc/sys/vm/compact_memory", "1");
		}
		if (madvise(buf, len, MADV_PAGEOUT))
			ksft_perror("madvise(MADV_PAGEOUT)");
		/* -EAGAIN (less reclaimed than asked) is fine: look again */
		snprintf(val, sizeof(val), "%zu", 2 * resident * page_size());
		write_str(path, val);
	}
	kb = smaps_swap_kb(buf);
	if (kb < 0)
		return -1;
	if ((size_t)kb * 1024 != len) {
		ksft_print_msg("%s: none of the %zu kB in memory, but Swap: %ld kB\n",
			       what, len / 1024, kb);
		return -1;
	}
	ksft_print_msg("%s: all %zu pages in swap, none in memory (%d reclaims)\n",
		       what, len / page_size(), tries);
	return len / page_size();
}

/*
 * MADV_PAGEOUT of a shmem mapping: at least MIN_SWAPPED_PCT of it must go
 * to swap by its "Swap:", then all of it with shm_drop(), and the counters
 * must show every page written to a backend.  *@swapped gets the pages in
 * swap (-1 if not all got there), *@mid the counters after.
 */
static bool shm_pageout(const char *what, char *map, size_t len,
			long *swapped, struct vmstat *mid)
{
	uint64_t reject0 = vmstat_key("vswap_reject");
	struct vmstat before;
	long kb;
	bool ok;

	*swapped = -1;
	vmstat_read(&before);
	if (madvise(map, len, MADV_PAGEOUT)) {
		ksft_perror("madvise(MADV_PAGEOUT)");
		vmstat_read(mid);
		return false;
	}
	kb = smaps_swap_kb(map);
	if (kb < 0) {
		vmstat_read(mid);
		return false;
	}
	ksft_print_msg("%s: MADV_PAGEOUT: Swap: %ld of %zu kB (%zu%%)\n", what,
		       kb, len / 1024, (size_t)kb * 1024 * 100 / len);
	ok = (size_t)kb * 1024 * 100 >= len * MIN_SWAPPED_PCT;
	if (!ok)
		ksft_print_msg("%s: want at least %d%% swapped out\n", what,
			       MIN_SWAPPED_PCT);
	*swapped = shm_drop(what, map, len);
	vmstat_read(mid);
	ok &= *swapped > 0 &&
	      left_memory(what, &before, mid, *swapped, reject0);
	return ok;
}

/* After reading it all back: no swap left, every page in memory. */
static bool shm_all_back(const char *what, const char *map, size_t len)
{
	long kb = smaps_swap_kb(map), resident = resident_pages(map, len);

	if (kb < 0 || resident < 0)
		return false;
	ksft_print_msg("%s: after reading back: Swap: %ld kB, %ld of %zu pages in memory\n",
		       what, kb, resident, len / page_size());
	if (!kb && (size_t)resident == len / page_size())
		return true;
	ksft_print_msg("%s: want no swap and all pages in memory\n", what);
	return false;
}

/* A shmem file: on a tmpfs of our own, or a memfd. */
struct shm_file {
	char dir[64];		/* mount point */
	char path[96];		/* the file on it */
	int fd;
	char *map;		/* shared mapping of the whole file */
	size_t size;
	bool made_dir, mounted;
};

static void shm_init(struct shm_file *f, size_t size)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->size = size;
}

static bool shm_resize(struct shm_file *f)
{
	if (!ftruncate(f->fd, f->size))
		return true;
	ksft_perror("ftruncate");
	return false;
}

static bool shm_mkdir(struct shm_file *f)
{
	snprintf(f->dir, sizeof(f->dir), MOUNT_DIR_FMT, (int)getpid());
	if (!mkdir(f->dir, 0700))
		return true;
	ksft_print_msg("mkdir %s: %s\n", f->dir, strerror(errno));
	return false;
}

static bool shm_tmpfs(struct shm_file *f)
{
	char opts[64];

	if (!shm_mkdir(f))
		return false;
	f->made_dir = true;
	/* huge=never: small folios, swapped one by one on any kernel */
	snprintf(opts, sizeof(opts), "size=%zuk,huge=never,mode=0700",
		 f->size / 1024 + 1024);
	if (mount("swap_shmem", f->dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  opts)) {
		ksft_print_msg("mount tmpfs on %s (%s): %s\n", f->dir, opts,
			       strerror(errno));
		return false;
	}
	f->mounted = true;
	snprintf(f->path, sizeof(f->path), "%s/data", f->dir);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (f->fd < 0) {
		ksft_print_msg("create %s: %s\n", f->path, strerror(errno));
		f->path[0] = '\0';
		return false;
	}
	return shm_resize(f);
}

static bool shm_memfd(struct shm_file *f)
{
	/* NOEXEC_SEAL: says what we want, so the kernel has nothing to warn */
	f->fd = memfd_create("swap_shmem", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
	if (f->fd < 0) {
		ksft_perror("memfd_create");
		return false;
	}
	return shm_resize(f);
}

static bool shm_map(struct shm_file *f)
{
	f->map = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->fd, 0);
	if (f->map != MAP_FAILED)
		return true;
	ksft_perror("mmap MAP_SHARED");
	f->map = NULL;
	return false;
}

/* Unmap, close and remove what was set up; false if something stays. */
static bool shm_close(struct shm_file *f)
{
	bool ok = true;

	if (f->map)
		munmap(f->map, f->size);
	if (f->fd >= 0)
		close(f->fd);
	if (f->path[0] && unlink(f->path)) {
		ksft_print_msg("unlink %s: %s\n", f->path, strerror(errno));
		ok = false;
	}
	if (f->mounted && umount2(f->dir, 0)) {
		ksft_print_msg("umount %s: %s\n", f->dir, strerror(errno));
		ok = false;
	}
	if (f->made_dir && rmdir(f->dir)) {
		ksft_print_msg("rmdir %s: %s\n", f->dir, strerror(errno));
		ok = false;
	}
	shm_init(f, 0);
	return ok;
}

/* Fill through a shared mapping, page out, read back through it. */
static int shm_pageout_case(const struct tcase *tc, bool memfd)
{
	struct vmstat mid, after;
	struct shm_file f;
	bool ok = false;
	long swapped;

	shm_init(&f, case_size(tc));
	if (!(memfd ? shm_memfd(&f) : shm_tmpfs(&f)) || !shm_map(&f))
		goto out;
	ksft_print_msg("%s: %zu MiB %s\n", tc->name, f.size / MiB,
		       memfd ? "memfd" : f.path);
	pattern_fill(f.map, f.size, opt.pattern, opt.seed);
	ok = shm_pageout(tc->name, f.map, f.size, &swapped, &mid);
	ok &= verify(tc->name, f.map, f.size, opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= swapped > 0 && swapped_in(tc->name, &mid, &after, swapped);
	ok &= shm_all_back(tc->name, f.map, f.size);
out:
	ok &= shm_close(&f);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_tmpfs_pageout(const struct tcase *tc)
{
	return shm_pageout_case(tc, false);
}

static int test_memfd_pageout(const struct tcase *tc)
{
	return shm_pageout_case(tc, true);
}

static bool pread_full(int fd, char *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = pread(fd, buf + done, len - done, done);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		ksft_print_msg("pread at %zu of %zu: %s\n", done, len,
			       r ? strerror(errno) : "end of file");
		return false;
	}
	return true;
}

/*
 * Fill through a mapping, page out, unmap; read the file back with pread()
 * into anonymous memory at the address the mapping had, so that the
 * address-derived pattern checks every byte where it was written.
 */
static int test_tmpfs_read(const struct tcase *tc)
{
	struct vmstat mid, after;
	struct shm_file f;
	char *addr, *buf;
	bool ok = false;
	long swapped;

	shm_init(&f, case_size(tc));
	if (!shm_tmpfs(&f) || !shm_map(&f))
		goto out;
	ksft_print_msg("%s: %zu MiB %s\n", tc->name, f.size / MiB, f.path);
	pattern_fill(f.map, f.size, opt.pattern, opt.seed);
	ok = shm_pageout(tc->name, f.map, f.size, &swapped, &mid);
	addr = f.map;
	munmap(f.map, f.size);
	f.map = NULL;
	buf = mmap(addr, f.size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (buf == MAP_FAILED || buf != addr) {
		ksft_print_msg("%s: cannot map anonymous memory at %p: %s\n",
			       tc->name, addr,
			       buf == MAP_FAILED ? strerror(errno) :
			       "got another address");
		if (buf != MAP_FAILED)
			munmap(buf, f.size);
		ok = false;
		goto out;
	}
	ok &= pread_full(f.fd, buf, f.size);
	vmstat_read(&after);
	ok &= verify(tc->name, buf, f.size, opt.pattern, opt.seed);
	ok &= swapped > 0 && swapped_in(tc->name, &mid, &after, swapped);
	munmap(buf, f.size);
	/* read() swapped the file in: a new mapping finds it all in memory */
	if (shm_map(&f))
		ok &= shm_all_back(tc->name, f.map, f.size);
	else
		ok = false;
out:
	ok &= shm_close(&f);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* A userfaultfd that offers UFFDIO_MOVE. */
static int uffd_open_move(const char *what)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_MOVE,
	};
	int fd;

	/*
	 * No fault is ever served here: user-mode faults only is enough,
	 * and needs no privilege.  Kernels before 5.11 lack the flag.
	 */
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("%s: userfaultfd(): %s (the test config has CONFIG_USERFAULTFD)\n",
			       what, strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		ksft_print_msg("%s: UFFDIO_API with UFFD_FEATURE_MOVE: %s%s\n",
			       what, strerror(errno), errno == EINVAL ?
			       " (no UFFDIO_MOVE: Linux 6.8 or later has it)" :
			       "");
		close(fd);
		return -1;
	}
	if (!(api.features & UFFD_FEATURE_MOVE)) {
		ksft_print_msg("%s: UFFD_FEATURE_MOVE missing from the features UFFDIO_API reports (%#llx)\n",
			       what, (unsigned long long)api.features);
		close(fd);
		return -1;
	}
	return fd;
}

static bool uffd_register(const char *what, int uffd, char *buf, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)buf, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		ksft_print_msg("%s: UFFDIO_REGISTER: %s\n", what,
			       strerror(errno));
		return false;
	}
	if (reg.ioctls & ((__u64)1 << _UFFDIO_MOVE))
		return true;
	ksft_print_msg("%s: UFFDIO_MOVE is not among the ioctls of the registered range (%#llx)\n",
		       what, (unsigned long long)reg.ioctls);
	return false;
}

static const char *move_errno_hint(int err)
{
	switch (err) {
	case EBUSY:
		return ": a source page is not exclusive, or its swap-cache folio is large";
	case ENOENT:
		return ": a hole in the source";
	case EEXIST:
		return ": the destination is not empty";
	case EINVAL:
		return ": source and destination areas do not qualify";
	default:
		return "";
	}
}

/*
 * UFFDIO_MOVE @len bytes from @src to @dst.  A partial move returns
 * EAGAIN with the bytes moved; the rest is tried again.
 */
static bool uffd_move(const char *what, int uffd, char *dst, char *src,
		      size_t len)
{
	struct uffdio_move mv;
	size_t done = 0;
	int again = 0;

	while (done < len) {
		memset(&mv, 0, sizeof(mv));
		mv.dst = (uintptr_t)(dst + done);
		mv.src = (uintptr_t)(src + done);
		mv.len = len - done;
		if (!ioctl(uffd, UFFDIO_MOVE, &mv))
			return true;
		if (errno == EAGAIN && mv.move > 0) {
			done += mv.move;
			continue;
		}
		if (errno == EAGAIN && ++again < 100) {
			usleep(1000);
			continue;
		}
		ksft_print_msg("%s: UFFDIO_MOVE of %zu bytes at %zu of %zu: %s%s\n",
			       what, len - done, done, len, strerror(errno),
			       move_errno_hint(errno));
		return false;
	}
	return true;
}

static void print_scan(const char *what, const struct swap_scan *s)
{
	ksft_print_msg("%s: %zu swap entries (%zu of them in the swap cache), %zu pages present\n",
		       what, s->swapped, s->cached, s->present);
}

/* Does swap-out go to a device written asynchronously (not zswap, zram)? */
static bool async_swap(void)
{
	return !zswap_enabled() && swaps_find(NULL, NULL) > 0 &&
	       !swap_on_zram();
}

/*
 * Swapped-out anonymous pages moved by UFFDIO_MOVE.  The pattern is written
 * at the destination and copied to the source, so after the move the
 * destination must read back as if it had been written there.  The first
 * half moves right after MADV_PAGEOUT (with a device written asynchronously
 * its folios are still in the swap cache: move_swap_pte() moves their rmap
 * along), the second after its swap cache was emptied (bare swap entries).
 */
static int test_uffd_move(const struct tcase *tc)
{
	size_t size = case_size(tc), ps = page_size(), npages = size / ps;
	size_t half = npages / 2 * ps, moved_swapped, moved_present;
	uint64_t reject0 = vmstat_key("vswap_reject");
	struct swap_scan first, second, s, d;
	struct vmstat before, mid, after;
	char *area, *dst, *src;
	bool ok = false;
	long dropped;
	int uffd = -1;

	area = map_anon(2 * size, 0);
	if (!area)
		return KSFT_FAIL;
	dst = area;
	src = area + size;
	/* small folios: a large one in the swap cache makes the move EBUSY */
	if (madvise(area, 2 * size, MADV_NOHUGEPAGE)) {
		ksft_perror("madvise(MADV_NOHUGEPAGE)");
		goto out;
	}
	pattern_fill(dst, size, opt.pattern, opt.seed);
	memcpy(src, dst, size);
	if (madvise(dst, size, MADV_DONTNEED)) {
		ksft_perror("madvise(MADV_DONTNEED)");
		goto out;
	}
	if (swap_scan(dst, size, &s))
		goto out;
	if (s.present || s.swapped) {
		print_scan("destination after MADV_DONTNEED", &s);
		goto out;
	}
	uffd = uffd_open_move(tc->name);
	if (uffd < 0 || !uffd_register(tc->name, uffd, dst, size))
		goto out;

	vmstat_read(&before);
	if (!pageout_enough("source", src, size) ||
	    swap_scan(src, half, &first))
		goto out;
	print_scan("source, first half, moved now", &first);
	if (!uffd_move(tc->name, uffd, dst, src, half))
		goto out;
	if (swapcache_drop("source, second half", src + half,
			   size - half) < 0 ||
	    swap_scan(src + half, size - half, &second))
		goto out;
	print_scan("source, second half, moved now", &second);
	if (!uffd_move(tc->name, uffd, dst + half, src + half, size - half))
		goto out;

	moved_swapped = first.swapped + second.swapped;
	moved_present = first.present + second.present;
	if (swap_scan(src, size, &s) || swap_scan(dst, size, &d))
		goto out;
	ok = true;
	if (s.present || s.swapped) {
		print_scan("source after the move", &s);
		ksft_print_msg("%s: want the source empty\n", tc->name);
		ok = false;
	}
	print_scan("destination after the move", &d);
	/*
	 * Every swap entry of the source, and every page: reclaim may have
	 * swapped out a present page meanwhile, nothing can swap one in.
	 * Each half must have had swap entries to move.
	 */
	if (!first.swapped || !second.swapped ||
	    moved_swapped + moved_present != npages ||
	    d.swapped < moved_swapped || d.swapped + d.present != npages) {
		ksft_print_msg("%s: want the source's %zu swap entries (and %zu present pages) at the destination, %zu pages in all\n",
			       tc->name, moved_swapped, moved_present, npages);
		ok = false;
	}
	/*
	 * Written asynchronously (a disk or a file, no zswap), the first
	 * half's folios are still in the swap cache when they move: that path
	 * must have been taken.
	 */
	if (async_swap() && !first.cached) {
		ksft_print_msg("%s: no folio of the first half was in the swap cache: its path went untested\n",
			       tc->name);
		ok = false;
	}
	dropped = swapcache_drop("destination", dst, size);
	vmstat_read(&mid);
	ok &= left_memory(tc->name, &before, &mid, moved_swapped, reject0);
	/*
	 * Unregister (close) before touching the destination: a page the
	 * move lost then faults in as zeros and fails the check instead of
	 * waiting forever for a fault handler.
	 */
	close(uffd);
	uffd = -1;
	ok &= verify(tc->name, dst, size, opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 && swapped_in(tc->name, &mid, &after, dropped);
	if (swap_scan(dst, size, &s)) {
		ok = false;
	} else if (s.present != npages || s.swapped) {
		print_scan("destination after reading", &s);
		ksft_print_msg("%s: want all %zu pages present\n", tc->name,
			       npages);
		ok = false;
	}
out:
	if (uffd >= 0)
		close(uffd);
	munmap(area, 2 * size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static const struct tcase cases[] = {
	{ "tmpfs_pageout",	test_tmpfs_pageout,	24 },
	{ "memfd_pageout",	test_memfd_pageout,	24 },
	{ "tmpfs_read",		test_tmpfs_read,	24 },
	{ "uffd_move",		test_uffd_move,		16 },
};

static int case_child(void *arg)
{
	const struct tcase *tc = arg;

	return tc->fn(tc);
}

/* A child that died mid-case leaves its tmpfs mounted: take it down. */
static bool no_leftover_mount(const char *what, pid_t pid)
{
	char dir[64];

	snprintf(dir, sizeof(dir), MOUNT_DIR_FMT, (int)pid);
	if (access(dir, F_OK))
		return true;
	ksft_print_msg("%s: %s left behind: removing it\n", what, dir);
	if (umount2(dir, MNT_DETACH) && errno != EINVAL)
		ksft_print_msg("umount %s: %s\n", dir, strerror(errno));
	if (rmdir(dir))
		ksft_print_msg("rmdir %s: %s\n", dir, strerror(errno));
	return false;
}

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

/*
 * Each case runs in a child in a cgroup of its own: its memory.reclaim
 * then evicts the case's pages and little else (not the guest's tmpfs
 * root, say), and once the child is gone, with its files and mappings,
 * no swap may stay charged to the cgroup.
 */
static int case_fn(unsigned int i)
{
	const struct tcase *tc = &cases[i];
	char cg[PATH_MAX];
	pid_t pid;
	int ret;

	if (!swap_ready(tc->name))
		return KSFT_FAIL;
	if (cg_create(cg, sizeof(cg), tc->name))
		return KSFT_FAIL;
	pid = run_child(cg, case_child, (void *)tc);
	ret = child_result(tc->name, wait_child(pid, NULL, NULL, NULL));
	if (pid > 0 && !no_leftover_mount(tc->name, pid))
		ret = KSFT_FAIL;
	cg_print_stats(tc->name, cg);
	if (!cg_swap_uncharged(tc->name, cg))
		ret = KSFT_FAIL;
	if (cg_destroy(cg))
		ret = KSFT_FAIL;
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: swap_shmem [options]\n"
		"Swap out tmpfs and memfd pages and read them back through a mapping\n"
		"and with pread(); UFFDIO_MOVE swapped-out anonymous pages.\n"
		"Cases: tmpfs_pageout memfd_pageout tmpfs_read uffd_move\n"
		COMMON_USAGE
		"                    (default per case: uffd_move 16 (twice: source\n"
		"                    and destination), the others 24)\n"
		"  --only NAME       run only case NAME\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "only",	required_argument,	NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "o:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			opt_only = optarg;
			break;
		case 'h':
			usage(stdout);
			return KSFT_PASS;
		default:
			if (!common_opt(&opt, c, optarg)) {
				usage(stderr);
				return KSFT_FAIL;
			}
		}
	}
	if (optind < argc) {
		usage(stderr);
		return KSFT_FAIL;
	}
	run_cases(ARRAY_SIZE(cases), case_name, case_fn, opt_only, &opt);
}
