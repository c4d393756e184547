/* The floor for sct's start-up cost: what any runtime must at least ask of
 * the kernel to run CMD the way sct does by default, and nothing else.
 *
 *   floor ROOTFS CMD [ARGS...]
 *
 * clone with sct's default namespaces (mount, PID, UTS, IPC; the host's
 * network), then in the child: mounts private, ROOTFS bound onto itself,
 * /proc mounted, pivot_root, the old root detached, exec. The parent waits
 * and exits with the child's status. No cgroup, no /dev, no masks, no
 * capabilities, no seccomp, no error messages beyond a status: bench/run
 * reports sct's default start as a ratio to this.
 *
 * Built by bench/run (musl-gcc -static -O2: musl's start-up asks the CPU
 * nothing, where glibc's runs cpuid, which a hypervisor may trap); plain C,
 * any libc builds it. Measurement code, never part of sct.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[64 * 1024];
static char **command;
static const char *rootfs;

static int child(void *arg) {
  (void)arg;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
      mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) || chdir(rootfs) ||
      mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ||
      syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) ||
      chdir("/"))
    return 125;
  execv(command[0], command);
  return 127;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: floor ROOTFS CMD [ARGS...]\n", stderr);
    return 2;
  }
  rootfs = argv[1];
  command = argv + 2;
  pid_t pid = clone(child, stack + sizeof stack,
                    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
                    NULL);
  if (pid < 0)
    return 125;
  int status;
  if (waitpid(pid, &status, 0) < 0)
    return 125;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
