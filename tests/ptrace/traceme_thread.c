/* PTRACE_TRACEME from a second thread, as Go programs do (amicontained):
 * the thread's exit must be reaped by the tracer (sct) with __WALL, or the
 * process never ends. Exits 0. */
#include <pthread.h>
#include <sys/ptrace.h>

static void *trace_me(void *arg) {
	(void)arg;
	return (void *)ptrace(PTRACE_TRACEME, 0, 0, 0);
}

int main(void) {
	pthread_t thread;
	void *result;
	if (pthread_create(&thread, 0, trace_me, 0) || pthread_join(thread, &result))
		return 2;
	return result == 0 ? 0 : 3;
}
