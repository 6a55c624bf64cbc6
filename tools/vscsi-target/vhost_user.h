/*
 * The vhost-user protocol, back-end side (QEMU's docs/interop/vhost-user.rst): messages on the
 * UNIX socket QEMU's -chardev connects to, file descriptors passed with SCM_RIGHTS. The messages
 * vhost-user-scsi-pci sends are handled: GET/SET_FEATURES, GET/SET_PROTOCOL_FEATURES, SET_OWNER,
 * RESET_OWNER, SET_MEM_TABLE, SET_VRING_NUM/ADDR/BASE/KICK/CALL/ERR, GET_VRING_BASE (the ring
 * stops), SET_VRING_ENABLE, GET_QUEUE_NUM; with REPLY_ACK every message that asks for it gets its
 * ack. Anything else is logged and refused.
 */
#ifndef TOOLS_VSCSI_TARGET_VHOST_USER_H
#define TOOLS_VSCSI_TARGET_VHOST_USER_H

#include "tools/vscsi-target/device.h"

struct vhost_user {
    int fd; /* the connection, -1 when none */
    struct device *dev;
    uint64_t features, protocol_features;
    unsigned messages; /* on this connection */
};

/* Read and answer one message. Returns 0, or -1 when the connection is gone or broke the
 * protocol (the caller then closes it: vhost_user_disconnect). */
int vhost_user_handle(struct vhost_user *u);
/* QEMU went away: stop every ring, forget the memory and the pending commands. */
void vhost_user_disconnect(struct vhost_user *u);

#endif
