/*
 * Sandcrate's host for one macro module translated to C by wasm2c (docs/runtime.md, "The wasm2c engine").
 * The runtime compiles it together with the module's C and wasm2c's runtime into one executable per module, and
 * starts one process per instance (one rustc session). Before it reads its first request the process enters a
 * seccomp filter that allows only reading stdin, writing stdout, memory management and exiting.
 *
 * Protocol (little-endian) on stdin/stdout:
 *   host -> runtime, once:   u8 status, u32 abi_version
 *     status: 0 ok, 1 the seccomp filter could not be applied, 2 trap while instantiating
 *   runtime -> host:         u32 length, request bytes
 *   host -> runtime:         u8 status, u64 value, u64 memory_bytes, u32 length, bytes
 *     0 OK           value = sandcrate_expand's packed result, bytes = that region when it is in memory and small enough
 *     1 PANIC        value = sandcrate_last_panic's packed result, bytes as for OK
 *     2 TRAP         bytes = what trapped (text)
 *     3 MEMORY_LIMIT the module trapped after a refused memory.grow
 *     4 EXHAUSTED    the native stack ran out
 *     5 BAD_ALLOC    value = sandcrate_alloc's result << 32 | request length: outside memory
 * After any status but 0 the instance is gone: the process exits once it has answered.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "wasm-rt-impl.h"
#include "module.h"

static uint32_t max_output;
static int memory_grow_refused;

/* Linked with -Wl,--wrap=wasm_rt_grow_memory: remembers a refused grow, which the runtime reports as MEMORY_LIMIT. */
uint32_t __real_wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta);
uint32_t __wrap_wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
  uint32_t old = __real_wasm_rt_grow_memory(memory, delta);
  if (old == (uint32_t)-1) memory_grow_refused = 1;
  return old;
}

static void read_exactly(void *buffer, size_t length) {
  uint8_t *at = buffer;
  while (length > 0) {
    ssize_t n = read(0, at, length);
    if (n == 0) _exit(0); /* the runtime closed the instance */
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    at += n;
    length -= (size_t)n;
  }
}

static void write_exactly(const void *buffer, size_t length) {
  const uint8_t *at = buffer;
  while (length > 0) {
    ssize_t n = write(1, at, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    at += n;
    length -= (size_t)n;
  }
}

static void put_u32(uint8_t *at, uint32_t v) { for (int i = 0; i < 4; i++) at[i] = (uint8_t)(v >> (8 * i)); }
static void put_u64(uint8_t *at, uint64_t v) { for (int i = 0; i < 8; i++) at[i] = (uint8_t)(v >> (8 * i)); }

static void answer(uint8_t status, uint64_t value, uint64_t memory_bytes, const uint8_t *bytes, uint32_t length) {
  uint8_t header[21];
  header[0] = status;
  put_u64(header + 1, value);
  put_u64(header + 9, memory_bytes);
  put_u32(header + 17, length);
  write_exactly(header, sizeof header);
  if (length > 0) write_exactly(bytes, length);
}

/* The region a packed result names, if the runtime will accept it; otherwise nothing (the runtime says why). */
static void answer_region(uint8_t status, uint64_t packed, wasm_rt_memory_t *memory) {
  uint64_t offset = packed >> 32, length = packed & 0xffffffffu;
  if (length <= max_output && offset + length <= memory->size) {
    answer(status, packed, memory->size, memory->data + offset, (uint32_t)length);
  } else {
    answer(status, packed, memory->size, NULL, 0);
  }
}

static void answer_text(uint8_t status, const char *text, wasm_rt_memory_t *memory) {
  answer(status, 0, memory ? memory->size : 0, (const uint8_t *)text, (uint32_t)strlen(text));
}

/* Only what answering requests needs; anything else (open, socket, execve, ...) kills the process. */
static int enter_seccomp(void) {
#if defined(__x86_64__)
#define SANDCRATE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDCRATE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef SANDCRATE_AUDIT_ARCH
#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDCRATE_AUDIT_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_exit), ALLOW(SYS_exit_group),
      ALLOW(SYS_mmap), ALLOW(SYS_munmap), ALLOW(SYS_mprotect), ALLOW(SYS_mremap), ALLOW(SYS_brk), ALLOW(SYS_madvise),
      ALLOW(SYS_rt_sigreturn), ALLOW(SYS_rt_sigprocmask), ALLOW(SYS_futex),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
  struct sock_fprog program = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
#else
  return -1;
#endif
}

/* The native stack wasm runs on: 8 MiB whatever `ulimit -s` the runtime has (deeper recursion is rerun elsewhere). */
#define STACK_BYTES (8UL << 20)

/* The main thread's stack is bounded by RLIMIT_STACK as it was at exec: set it, then start again. */
static void ensure_stack_limit(char **argv) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_STACK, &limit) != 0 || limit.rlim_cur == STACK_BYTES) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < STACK_BYTES) return;
  limit.rlim_cur = STACK_BYTES;
  if (setrlimit(RLIMIT_STACK, &limit) == 0) execv("/proc/self/exe", argv);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  ensure_stack_limit(argv);
  max_output = (uint32_t)strtoul(argv[1], NULL, 10);
  wasm_rt_init();
  Z_m_init_module();
  uint8_t hello[5] = {0};
  if (enter_seccomp() != 0) {
    hello[0] = 1;
    write_exactly(hello, sizeof hello);
    return 1;
  }
  static Z_m_instance_t instance;
  if (wasm_rt_impl_try() != 0) {
    hello[0] = 2;
    write_exactly(hello, sizeof hello);
    return 1;
  }
  Z_m_instantiate(&instance);
  put_u32(hello + 1, Z_mZ_sandcrate_abi_version(&instance));
  write_exactly(hello, sizeof hello);
  wasm_rt_memory_t *memory = Z_mZ_memory(&instance);

  uint8_t *request = NULL;
  size_t capacity = 0;
  for (;;) {
    uint8_t length_bytes[4];
    read_exactly(length_bytes, 4);
    uint32_t length = length_bytes[0] | length_bytes[1] << 8 | length_bytes[2] << 16 | (uint32_t)length_bytes[3] << 24;
    if (length > capacity) {
      free(request);
      capacity = length;
      request = malloc(capacity);
      if (request == NULL) return 1;
    }
    read_exactly(request, length);
    wasm_rt_trap_t trap = wasm_rt_impl_try();
    if (trap == WASM_RT_TRAP_NONE) {
      uint32_t at = Z_mZ_sandcrate_alloc(&instance, length);
      if ((uint64_t)at + length > memory->size) {
        answer(5, (uint64_t)at << 32 | length, memory->size, NULL, 0);
        return 0;
      }
      memcpy(memory->data + at, request, length);
      uint64_t packed = Z_mZ_sandcrate_expand(&instance, at, length);
      answer_region(0, packed, memory);
      continue;
    }
    if (memory_grow_refused) {
      answer_text(3, "memory.grow refused", memory);
    } else if (trap == WASM_RT_TRAP_EXHAUSTION && trap != WASM_RT_TRAP_OOB) {
      answer_text(4, wasm_rt_strerror(trap), memory);
    } else {
      uint64_t packed = 0;
      if (wasm_rt_impl_try() == WASM_RT_TRAP_NONE) packed = Z_mZ_sandcrate_last_panic(&instance);
      if (packed != 0) {
        answer_region(1, packed, memory);
      } else {
        answer_text(2, wasm_rt_strerror(trap), memory);
      }
    }
    return 0;
  }
}
