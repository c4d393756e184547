/* SIGUSR1 to itself, untraced: the control for traceme_raise. */
#include <signal.h>

int main(void) {
	raise(SIGUSR1);
	return 0;
}
