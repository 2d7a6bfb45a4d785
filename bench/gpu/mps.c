// SPDX-License-Identifier: MIT
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mps.h"

int mps_start(struct mps *m, const char *control)
{
	char pipe_dir[96], log_dir[96], cmd[4300];

	if (!control || !control[0])
		return -1;
	m->control = control;
	snprintf(m->dir, sizeof(m->dir), "/tmp/vgpu-bench-mps-XXXXXX");
	if (!mkdtemp(m->dir))
		return -1;
	snprintf(pipe_dir, sizeof(pipe_dir), "%s/pipe", m->dir);
	snprintf(m->pipe, sizeof(m->pipe), "%s", pipe_dir);
	snprintf(log_dir, sizeof(log_dir), "%s/log", m->dir);
	if (mkdir(pipe_dir, 0700) || mkdir(log_dir, 0700))
		return -1;
	setenv("CUDA_MPS_PIPE_DIRECTORY", pipe_dir, 1);
	setenv("CUDA_MPS_LOG_DIRECTORY", log_dir, 1);
	snprintf(cmd, sizeof(cmd), "%s -d", control);
	if (system(cmd)) {
		fprintf(stderr, "bench: %s -d failed\n", control);
		unsetenv("CUDA_MPS_PIPE_DIRECTORY");
		unsetenv("CUDA_MPS_LOG_DIRECTORY");
		return -1;
	}
	return 0;
}

void mps_stop(struct mps *m)
{
	char cmd[4400];

	snprintf(cmd, sizeof(cmd), "echo quit | %s", m->control);
	if (system(cmd))
		fprintf(stderr, "bench: MPS quit failed\n");
	/* The server leaves after its clients; give it time before CUDA is used again. */
	sleep(2);
	unsetenv("CUDA_MPS_PIPE_DIRECTORY");
	unsetenv("CUDA_MPS_LOG_DIRECTORY");
	snprintf(cmd, sizeof(cmd), "cat %s/log/control.log 2>/dev/null | tail -3; rm -rf %s",
		 m->dir, m->dir);
	if (system(cmd))
		fprintf(stderr, "bench: cleaning %s failed\n", m->dir);
}
