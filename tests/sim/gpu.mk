# What the GPU tests (tests/gpu/Makefile) and the GPU benchmarks
# (bench/gpu/Makefile) build alike: programs that run the worker's own
# sources (the real loop, scheduler and executors) on a thread, over the
# simulated backend, through the harness of tests/sim/ (harness.h), with
# the fake device for --fake. Both include this file, and neither builds
# the other's program files: what they share lives here, in tests/sim/.
#
# It gives the including makefile:
#   TOP, B          the repository root; build/gpu, where output goes
#   CUDA_HOME       where CUDA is (default /usr/local/cuda); HAVE_CUDA is
#                   set where its cuda.h is; CUDA_LIBDIR holds libcuda.so
#                   (the driver's where installed, else the toolkit's stub)
#   HARNESS_SRCS    the sources every such program links
#   obj             $(call obj,SRCS): their objects, build/gpu/obj/<path
#                   from the repository root>.o, and the rule that builds
#                   them (-std=c11 -Wall -Wextra -Werror)
# The including makefile's first target stays the default goal.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
B := $(TOP)/build/gpu
CC ?= cc
CUDA_HOME ?= /usr/local/cuda
HAVE_CUDA := $(wildcard $(CUDA_HOME)/include/cuda.h)
CUDA_LIBDIR := $(firstword $(wildcard $(CUDA_HOME)/lib64/libcuda.so) \
		 $(CUDA_HOME)/lib64/stubs/libcuda.so)
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE -MMD -MP
LDLIBS += -pthread

include $(TOP)/dom0-worker/core.mk
CPPFLAGS += $(addprefix -I$(TOP)/,$(WORKER_INCLUDE_DIRS))
HARNESS_SRCS := $(addprefix $(TOP)/,$(WORKER_CORE_SRCS) \
	$(CX_CHILD_SRCS) tests/sim/cx_dev_fake.c \
	tests/sim/harness.c tests/sim/simbe.c)
obj = $(patsubst $(TOP)/%.c,$(B)/obj/%.o,$(1))

$(B)/obj/%.o: $(TOP)/%.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
