// SPDX-License-Identifier: MIT
/*
 * Perf events for BPF output without the kernel: Linux's golden bytes
 * (research/kernel-semantics.md §7.3), the LOST record, the mmap rules,
 * attribute rules that need no kernel, wake-ups and the reader.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "perf/perf_internal.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static struct perf_event_attr bpf_output_attr(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_BPF_OUTPUT;
	a.sample_type = PERF_SAMPLE_RAW;
	a.sample_period = 1;
	a.wakeup_events = 1;
	return a;
}

struct view {
	struct kbpf_perf_event *ev;
	volatile uint8_t *base;
	struct perf_event_mmap_page *up;
	size_t nr;
};

/* An event on CPU 0 with @data_pages mapped; what user space would see. */
static int view_open(struct view *v, size_t data_pages,
		     const struct perf_event_attr *attr)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct perf_event_attr a = attr ? *attr : bpf_output_attr();
	const uintptr_t *pages;

	memset(v, 0, sizeof(*v));
	if (kbpf_perf_event_create(h, &a, -1, 0, 0, &v->ev))
		return -1;
	if (kbpf_perf_event_mmap(v->ev, 0, 1 + data_pages, true, &pages,
				 &v->nr))
		return -1;
	v->base = h->vmap(h, pages, v->nr);
	v->up = (struct perf_event_mmap_page *)v->base;
	return v->base ? 0 : -1;
}

static void view_close(struct view *v)
{
	const struct kbpf_host *h = kbpf_posix_host();

	if (v->base)
		h->vunmap(h, (void *)v->base, v->nr);
	if (v->ev) {
		if (v->nr)
			kbpf_perf_event_munmap(v->ev);
		kbpf_perf_event_put(v->ev);
	}
}

static void hex(char *out, const volatile uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

KBPF_TEST(perf_golden_bytes,
	  "samples of 4, 5, 0 and 1 bytes are Linux's bytes (golden_perf)")
{
	static const char golden[] =
		"0900000001001000040000000102030409000000010018000c0000000a0b0c0d0e0000000000000009000000010010000400000000000000090000000100100004000000ff000000";
	struct view v;
	char got[sizeof(golden)];

	T_ASSERT(view_open(&v, 1, NULL) == 0);
	T_EQ(v.up->data_offset, 4096);
	T_EQ(v.up->data_size, 4096);
	T_EQ(v.up->size, 96);
	T_EQ(v.up->capabilities, 2);
	T_EQ(kbpf_perf_event_output(v.ev, 0, "\x01\x02\x03\x04", 4,
				    PERF_RECORD_MISC_KERNEL),
	     0);
	T_EQ(kbpf_perf_event_output(v.ev, 0, "\x0a\x0b\x0c\x0d\x0e", 5,
				    PERF_RECORD_MISC_KERNEL),
	     0);
	T_EQ(kbpf_perf_event_output(v.ev, 0, "", 0, PERF_RECORD_MISC_KERNEL),
	     0);
	T_EQ(kbpf_perf_event_output(v.ev, 0, "\xff", 1,
				    PERF_RECORD_MISC_KERNEL),
	     0);
	T_EQ(v.up->data_head, 72);
	T_EQ(v.up->data_tail, 0);
	hex(got, v.base + 4096, 72);
	if (strcmp(got, golden))
		T_FAIL("ring bytes\n  got   %s\n  Linux %s", got, golden);
	/* Another CPU's event, bad kinds. */
	T_EQ(kbpf_perf_event_output(v.ev, 1, "x", 1, 1), -KBPF_EOPNOTSUPP);
	T_EQ(kbpf_perf_event_output(v.ev, 0, NULL, KBPF_PERF_RAW_MAX + 1, 1),
	     -KBPF_E2BIG);
	view_close(&v);
}

struct seen {
	int samples, lost_records;
	uint64_t lost;
	uint32_t last_raw;
	uint8_t last_byte;
};

static int seen_cb(void *ctx, const struct perf_event_header *hdr)
{
	struct seen *s = ctx;

	if (hdr->type == PERF_RECORD_SAMPLE) {
		const uint8_t *p = (const uint8_t *)(hdr + 1);
		uint32_t raw;

		memcpy(&raw, p, 4);
		s->samples++;
		s->last_raw = raw;
		s->last_byte = raw ? p[4] : 0;
	} else if (hdr->type == PERF_RECORD_LOST) {
		uint64_t v[2];

		memcpy(v, hdr + 1, sizeof(v));
		s->lost_records++;
		s->lost += v[1];
	} else {
		return -1;
	}
	return 0;
}

KBPF_TEST(
	perf_lost_record,
	"36 x 100-byte samples fill a page, 3 more are lost, and LOST(3) precedes the next sample (perf.out)")
{
	struct view v;
	uint8_t z[100] = { 0 }, scratch[256];
	struct seen s = { 0 };
	uint64_t lr[3];

	T_ASSERT(view_open(&v, 1, NULL) == 0);
	for (int i = 0; i < 36; i++)
		T_EQ(kbpf_perf_event_output(v.ev, 0, z, 100, 1), 0);
	for (int i = 0; i < 3; i++)
		T_EQ(kbpf_perf_event_output(v.ev, 0, z, 100, 1), -KBPF_ENOSPC);
	T_EQ(v.up->data_head, 4032);
	T_EQ(kbpf_perf_event_lost(v.ev), 3);
	T_EQ(kbpf_perf_ring_read(v.up, scratch, sizeof(scratch), seen_cb, &s),
	     36);
	T_EQ(v.up->data_tail, 4032);
	for (int i = 0; i < 3; i++)
		T_EQ(kbpf_perf_event_output(v.ev, 0, "\x01\x02\x03\x04\x05", 5,
					    1),
		     0);
	T_EQ(v.up->data_head, 4128);
	/* LOST at 4032, then the samples; the second one wraps. */
	memcpy(lr, (const void *)(v.base + 4096 + 4032), sizeof(lr));
	T_EQ(lr[0], (uint64_t)24 << 48 | PERF_RECORD_LOST);
	T_EQ(lr[2], 3);
	memset(&s, 0, sizeof(s));
	T_EQ(kbpf_perf_ring_read(v.up, scratch, sizeof(scratch), seen_cb, &s),
	     4);
	T_EQ(s.lost_records, 1);
	T_EQ(s.lost, 3);
	T_EQ(s.samples, 3);
	T_EQ(s.last_raw, 12);
	T_EQ(s.last_byte, 1);
	T_EQ(kbpf_perf_event_lost(v.ev), 0);
	view_close(&v);
}

KBPF_TEST(perf_wrapped_record,
	  "a sample that straddles the end of the ring reads back whole")
{
	struct view v;
	uint8_t buf[300], scratch[512];
	struct seen s = { 0 };

	T_ASSERT(view_open(&v, 1, NULL) == 0);
	for (int round = 0; round < 200; round++) {
		memset(buf, round, sizeof(buf));
		T_EQ(kbpf_perf_event_output(v.ev, 0, buf, 37 + round % 250, 1),
		     0);
		memset(&s, 0, sizeof(s));
		T_EQ(kbpf_perf_ring_read(v.up, scratch, sizeof(scratch),
					 seen_cb, &s),
		     1);
		T_EQ(s.last_byte, round & 0xff);
		T_EQ(s.last_raw, (37 + round % 250 + 4 + 7) / 8 * 8 - 4);
	}
	T_ASSERT(v.up->data_head > 3 * 4096);
	view_close(&v);
}

KBPF_TEST(
	perf_mmap_rules,
	"mmap takes 1 + 2^n pages at offset 0, and later mappings the same size")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct perf_event_attr a = bpf_output_attr();
	struct kbpf_perf_event *ev;
	const uintptr_t *pages;
	size_t nr;
	long live = kbpf_posix_live_pages();

	T_EQ(kbpf_perf_event_create(h, &a, -1, 0, 0, &ev), 0);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), -KBPF_ENOSPC);
	T_EQ(kbpf_perf_event_lost(ev), 0); /* no ring: not counted */
	T_EQ(kbpf_perf_event_mmap(ev, 0, 4, true, &pages, &nr), -KBPF_EINVAL);
	T_EQ(kbpf_perf_event_mmap(ev, 1, 3, true, &pages, &nr), -KBPF_EINVAL);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 0, true, &pages, &nr), -KBPF_EINVAL);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 3, true, &pages, &nr), 0);
	T_EQ(nr, 3);
	T_EQ(kbpf_posix_live_pages(), live + 3);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 5, true, &pages, &nr), -KBPF_EINVAL);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 1, true, &pages, &nr), -KBPF_EINVAL);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 3, false, &pages, &nr), 0);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), 0);
	kbpf_perf_event_munmap(ev);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), 0);
	kbpf_perf_event_munmap(ev);
	T_EQ(kbpf_posix_live_pages(), live);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), -KBPF_ENOSPC);
	/* A control page alone: no data area, no output. */
	T_EQ(kbpf_perf_event_mmap(ev, 0, 1, true, &pages, &nr), 0);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), -KBPF_ENOSPC);
	kbpf_perf_event_munmap(ev);
	T_EQ(kbpf_perf_event_ioctl(ev, PERF_EVENT_IOC_DISABLE, 0), 0);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 2, true, &pages, &nr), 0);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), -KBPF_EOPNOTSUPP);
	T_EQ(kbpf_perf_event_ioctl(ev, PERF_EVENT_IOC_ENABLE, 0), 0);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), 0);
	T_EQ(kbpf_perf_event_ioctl(ev, 0x1234, 0), -KBPF_ENOTTY);
	kbpf_perf_event_munmap(ev);
	kbpf_perf_event_put(ev);
	T_EQ(kbpf_posix_live_pages(), live);
}

KBPF_TEST(
	perf_overwrite_ring,
	"a ring first mapped read-only overwrites old records instead of losing new ones")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct perf_event_attr a = bpf_output_attr();
	struct kbpf_perf_event *ev;
	const uintptr_t *pages;
	size_t nr;
	uint8_t z[100] = { 0 };

	T_EQ(kbpf_perf_event_create(h, &a, -1, 0, 0, &ev), 0);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 2, false, &pages, &nr), 0);
	for (int i = 0; i < 100; i++)
		T_EQ(kbpf_perf_event_output(ev, 0, z, 100, 1), 0);
	T_EQ(kbpf_perf_event_lost(ev), 0);
	kbpf_perf_event_munmap(ev);
	kbpf_perf_event_put(ev);
}

static atomic_int wakes;

static void count_wake(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	(void)h;
	(void)obj;
	atomic_fetch_add(&wakes, 1);
}

KBPF_TEST(
	perf_wakeup_policy,
	"wake-ups come every wakeup_events samples, or per watermark bytes (half the ring by default)")
{
	struct kbpf_host h = *kbpf_posix_host();
	struct perf_event_attr a = bpf_output_attr();
	struct kbpf_perf_event *ev;
	const uintptr_t *pages;
	size_t nr;
	uint8_t z[100] = { 0 };

	h.wake = count_wake;
	h.id_alloc = NULL;
	h.id_release = NULL;
	a.wakeup_events = 3;
	T_EQ(kbpf_perf_event_create(&h, &a, -1, 0, 0, &ev), 0);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 3, true, &pages, &nr), 0);
	atomic_store(&wakes, 0);
	for (int i = 0; i < 9; i++)
		T_EQ(kbpf_perf_event_output(ev, 0, "abcd", 4, 1), 0);
	T_EQ(atomic_load(&wakes), 3);
	kbpf_perf_event_munmap(ev);
	kbpf_perf_event_put(ev);

	/* wakeup_events 0: only the byte watermark, half of 8192 bytes. */
	a.wakeup_events = 0;
	T_EQ(kbpf_perf_event_create(&h, &a, -1, 0, 0, &ev), 0);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 3, true, &pages, &nr), 0);
	atomic_store(&wakes, 0);
	for (int i = 0; i < 37; i++) /* 37 * 112 = 4144 > 4096 */
		T_EQ(kbpf_perf_event_output(ev, 0, z, 100, 1), 0);
	T_EQ(atomic_load(&wakes), 1);
	kbpf_perf_event_munmap(ev);
	kbpf_perf_event_put(ev);

	/* watermark 1000 bytes. */
	a.watermark = 1;
	a.wakeup_watermark = 1000;
	T_EQ(kbpf_perf_event_create(&h, &a, -1, 0, 0, &ev), 0);
	T_EQ(kbpf_perf_event_mmap(ev, 0, 3, true, &pages, &nr), 0);
	atomic_store(&wakes, 0);
	for (int i = 0; i < 9; i++) /* 1008: one wake-up */
		T_EQ(kbpf_perf_event_output(ev, 0, z, 100, 1), 0);
	T_EQ(atomic_load(&wakes), 1);
	kbpf_perf_event_munmap(ev);
	kbpf_perf_event_put(ev);
}

KBPF_TEST(perf_sample_fields,
	  "sample_type CPU|PERIOD|RAW writes the fields in Linux's order")
{
	struct perf_event_attr a = bpf_output_attr();
	struct view v;
	uint32_t w[8];

	a.sample_type = PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW;
	T_ASSERT(view_open(&v, 1, &a) == 0);
	T_EQ(kbpf_perf_event_output(v.ev, 0, "\x07", 1, 1), 0);
	memcpy(w, (const void *)(v.base + 4096), sizeof(w));
	T_EQ(w[0], PERF_RECORD_SAMPLE);
	T_EQ(w[1], 32u << 16 | 1); /* misc 1, size 8 + 8 + 8 + 8 */
	T_EQ(w[2], 0); /* cpu */
	T_EQ(w[3], 0); /* reserved */
	T_EQ(w[4], 0); /* period (u64) */
	T_EQ(w[5], 0);
	T_EQ(w[6], 4); /* raw size */
	T_EQ(w[7] & 0xff, 7);
	view_close(&v);
}

KBPF_TEST(perf_attr_rules_local,
	  "attributes kbpf refuses on purpose, and Linux's pid/cpu rules")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct perf_event_attr a = bpf_output_attr();
	struct kbpf_perf_event *ev;

	T_EQ(kbpf_perf_event_create(h, &a, -1, -1, 0, &ev), -KBPF_EINVAL);
	T_EQ(kbpf_perf_event_create(h, &a, -1, (int)h->nr_cpus, 0, &ev),
	     -KBPF_EINVAL);
	a.write_backward = 1;
	T_EQ(kbpf_perf_event_create(h, &a, -1, 0, 0, &ev), -KBPF_EOPNOTSUPP);
	a = bpf_output_attr();
	a.sample_type |= PERF_SAMPLE_CALLCHAIN;
	T_EQ(kbpf_perf_event_create(h, &a, -1, 0, 0, &ev), -KBPF_EOPNOTSUPP);
	a = bpf_output_attr();
	a.type = PERF_TYPE_HARDWARE;
	T_EQ(kbpf_perf_event_create(h, &a, -1, 0, 0, &ev), -KBPF_ENOENT);
	a = bpf_output_attr();
	a.config = PERF_COUNT_SW_DUMMY;
	T_EQ(kbpf_perf_event_create(h, &a, -1, 0, 0, &ev), 0);
	T_EQ(kbpf_perf_event_output(ev, 0, "x", 1, 1), -KBPF_EINVAL);
	kbpf_perf_event_put(ev);
}
