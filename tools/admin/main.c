// SPDX-License-Identifier: MIT
/*
 * vgpu-admin: the operator's tool for vgpu on a Xen host. Keeps pools and
 * VMs in an SQLite database and writes the vgpu devices' xenstore
 * directories (Documentation/admin.md, vgpu-admin(8)).
 */
#include <stdio.h>

#include "admin.h"

int main(int argc, char **argv)
{
	return admin_run(argc, argv, stdout, stderr);
}
