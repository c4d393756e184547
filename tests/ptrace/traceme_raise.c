/* PTRACE_TRACEME, then SIGUSR1 to itself: with no tracer its default action
 * ends the process (exit status 128 + 10). */
#include <signal.h>
#include <sys/ptrace.h>

int main(void) {
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		return 3;
	raise(SIGUSR1);
	return 0;
}
