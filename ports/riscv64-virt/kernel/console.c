// SPDX-License-Identifier: MIT
/*
 * The console: qemu virt's NS16550A UART, polled, and a small printf.
 * One lock keeps lines from two harts (and bpf_printk from programs in
 * timer interrupts) from mixing.
 */
#include "fmt.h"
#include "kernel.h"

#define UART_THR 0 /* transmit holding register */
#define UART_LSR 5 /* line status register */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */

static struct spinlock console_lock;

static void uart_putc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;

	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

void uart_init(void)
{
	/* qemu's UART needs no setup; real hardware would set the baud rate. */
}

void uart_write(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
	spin_unlock_irqrestore(&console_lock, flags);
}

void kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		uart_write(buf, (size_t)n);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	irq_save();
	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	uart_write("PANIC: ", 7);
	if (n > 0)
		uart_write(buf,
			   n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	uart_write("\n", 1);
	sbi_shutdown(true);
}
