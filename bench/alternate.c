/* Runs commands in turn, one run of each per round, and writes every run's
 * wall time: a slow spell of a shared machine then lands on all of them
 * alike, where hyperfine's block of runs per command lets it land on one.
 * Each round runs the commands in an order of its own (a fixed-seed
 * shuffle): what one command leaves the kernel to finish after it exits (a
 * network namespace's teardown, freed cgroups) then slows each of the
 * others equally often, instead of always the one that follows it.
 *
 *   alternate -r ROUNDS -w WARMUP -o FILE -n NAME CMD [ARGS...] -n NAME CMD ...
 *
 * FILE: a tab-separated table, a header of the names, then one row per
 * round, in microseconds. Each command runs with stdout on /dev/null, as
 * hyperfine -N runs it (posix_spawn, no shell); a failure ends the run.
 * Built by bench/run (gcc -O2); measurement code, never part of sct.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_COMMANDS 16

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void usage(void) {
  fprintf(stderr, "usage: alternate -r ROUNDS -w WARMUP -o FILE -n NAME CMD [ARGS...] ...\n");
  exit(2);
}

int main(int argc, char **argv) {
  int rounds = 0, warmup = 0, count = 0;
  const char *file = NULL;
  const char *names[MAX_COMMANDS];
  char **commands[MAX_COMMANDS];
  int i = 1;
  for (; i + 1 < argc && argv[i][0] == '-' && strcmp(argv[i], "-n"); i += 2) {
    if (!strcmp(argv[i], "-r"))
      rounds = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-w"))
      warmup = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-o"))
      file = argv[i + 1];
    else
      usage();
  }
  /* The rest: -n NAME CMD [ARGS...], again and again. */
  while (i < argc) {
    if (strcmp(argv[i], "-n") || i + 2 >= argc || count == MAX_COMMANDS)
      usage();
    names[count] = argv[i + 1];
    commands[count++] = &argv[i + 2];
    i += 3;
    while (i < argc && strcmp(argv[i], "-n"))
      i++;
  }
  /* Each argv ends where the next -n stands, two before its command. */
  for (int c = 1; c < count; c++)
    commands[c][-2] = NULL;
  if (rounds <= 0 || !file || count == 0)
    usage();
  FILE *out = fopen(file, "w");
  if (!out) {
    perror(file);
    return 1;
  }
  for (int c = 0; c < count; c++)
    fprintf(out, "%s%s", c ? "\t" : "", names[c]);
  fprintf(out, "\n");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  double took_in_round[MAX_COMMANDS];
  int order[MAX_COMMANDS];
  srand48(1);
  for (int r = -warmup; r < rounds; r++) {
    for (int c = 0; c < count; c++)
      order[c] = c;
    for (int c = count - 1; c > 0; c--) {
      int other = (int)(drand48() * (c + 1));
      int t = order[c];
      order[c] = order[other];
      order[other] = t;
    }
    for (int k = 0; k < count; k++) {
      int c = order[k];
      pid_t pid;
      int status;
      double start = now_us();
      if (posix_spawn(&pid, commands[c][0], &actions, NULL, commands[c], environ)) {
        perror(commands[c][0]);
        return 1;
      }
      if (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        return 1;
      }
      double took = now_us() - start;
      if (status) {
        fprintf(stderr, "alternate: %s: status %d\n", names[c], status);
        return 1;
      }
      took_in_round[c] = took;
    }
    if (r >= 0)
      for (int c = 0; c < count; c++)
        fprintf(out, "%.0f%s", took_in_round[c], c + 1 < count ? "\t" : "\n");
  }
  return fclose(out) ? 1 : 0;
}
