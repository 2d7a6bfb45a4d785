# Devices of the x86_64 emulator that qemu-vgpu-stub/build.sh builds
# (--without-default-devices --with-devices-x86_64=vgpu-stub): the i440FX
# PC, its ISA serial port for the boot test's console, and the stub.
CONFIG_I440FX=y
CONFIG_SERIAL_ISA=y
CONFIG_VGPU_STUB=y
