// SPDX-License-Identifier: MIT
/* .kconfig externs of every kind libbpf supports, weak and strong. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF __kconfig;
extern enum libbpf_tristate CONFIG_MOD __kconfig;
extern char CONFIG_CH __kconfig;
extern int CONFIG_NUM __kconfig;
extern char CONFIG_STR[8] __kconfig;
extern long long CONFIG_MISSING __kconfig __weak;
extern unsigned short CONFIG_BIG __kconfig __weak;
extern int CONFIG_STRONG_MISSING __kconfig;

long out[8];

SEC("syscall")
int read_all(void *ctx)
{
	out[0] = LINUX_KERNEL_VERSION;
	out[1] = CONFIG_BPF;
	out[2] = CONFIG_MOD;
	out[3] = CONFIG_CH;
	out[4] = CONFIG_NUM;
	out[5] = CONFIG_STR[1];
	out[6] = CONFIG_MISSING;
	out[7] = CONFIG_BIG;
	return 0;
}

SEC("syscall")
int strong(void *ctx)
{
	return CONFIG_STRONG_MISSING;
}

char LICENSE[] SEC("license") = "GPL";
