// SPDX-License-Identifier: MIT
/*
 * A program that uses an installed kbpf, as a user project would: the
 * umbrella header and the POSIX host's, bpf(2) commands through
 * kbpf_posix_bpf(). Built by test_install.sh with pkg-config and with
 * find_package(kbpf), and by test_pic.sh into a shared object.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kbpf/kbpf.h>
#include <kbpf_posix.h>

#ifdef CONSUMER_SHARED
#define CONSUMER_ENTRY consumer_run
int consumer_run(void);
#else
#define CONSUMER_ENTRY main
#endif

int CONSUMER_ENTRY(void)
{
	union bpf_attr a;
	uint32_t key = 7;
	uint64_t value = 42, out = 0;
	int fd;

#ifdef EXPECT_VERSION
	if (strcmp(KBPF_VERSION_STRING, EXPECT_VERSION)) {
		fprintf(stderr, "consumer: header says %s, expected %s\n",
			KBPF_VERSION_STRING, EXPECT_VERSION);
		return 1;
	}
#endif
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = sizeof(key);
	a.value_size = sizeof(value);
	a.max_entries = 16;
	fd = kbpf_posix_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0) {
		fprintf(stderr, "consumer: BPF_MAP_CREATE: %s\n",
			strerror(errno));
		return 1;
	}

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&value;
	a.flags = BPF_ANY;
	if (kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a))) {
		fprintf(stderr, "consumer: BPF_MAP_UPDATE_ELEM: %s\n",
			strerror(errno));
		return 1;
	}

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&out;
	if (kbpf_posix_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) || out != 42) {
		fprintf(stderr, "consumer: lookup gave %llu (%s)\n",
			(unsigned long long)out, strerror(errno));
		return 1;
	}

	key = 8; /* absent: ENOENT, as bpf(2) */
	if (kbpf_posix_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) != -1 ||
	    errno != ENOENT) {
		fprintf(stderr,
			"consumer: lookup of an absent key succeeded\n");
		return 1;
	}
	if (kbpf_posix_close(fd)) {
		fprintf(stderr, "consumer: close: %s\n", strerror(errno));
		return 1;
	}
	printf("consumer: kbpf %s: hash map update/lookup through the POSIX "
	       "host ok\n",
	       KBPF_VERSION_STRING);
	return 0;
}
