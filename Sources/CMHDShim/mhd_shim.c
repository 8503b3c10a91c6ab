// Fixed-arity wrappers over libmicrohttpd's variadic functions. Design note: each option is passed in the
// exact C type MHD reads with va_arg (unsigned int, size_t, pointers), which is what Swift's CVarArg
// promotion gets wrong easily; keeping that here leaves Swift with plain typed calls.
#define _GNU_SOURCE
#include "mhd_shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct mhdshim_server {
    struct MHD_Daemon *daemon;
    mhdshim_log_fn log;
    void *log_cls;
    int quiesced_fd;
};

static void mhdshim_log_trampoline(void *cls, const char *format, va_list ap) {
    struct mhdshim_server *server = cls;
    if (server == NULL || server->log == NULL) return;
    char message[1024];
    vsnprintf(message, sizeof message, format, ap);
    server->log(server->log_cls, message);
}

struct mhdshim_server *mhdshim_start(unsigned int flags,
                                     MHD_AccessHandlerCallback handler, void *handler_cls,
                                     const struct mhdshim_options *o) {
    struct mhdshim_server *server = calloc(1, sizeof *server);
    if (server == NULL) return NULL;
    server->log = o->log;
    server->log_cls = o->log_cls;
    server->quiesced_fd = -1;
    uint16_t port = 0;
    if (o->address->sa_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
        port = ntohs(((const struct sockaddr_in6 *)o->address)->sin6_port);
    } else {
        port = ntohs(((const struct sockaddr_in *)o->address)->sin_port);
    }
    struct MHD_OptionItem items[8];
    int n = 0;
    if (o->connection_timeout_s > 0)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)o->connection_timeout_s, NULL};
    if (o->connection_limit > 0)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)o->connection_limit, NULL};
    if (o->per_ip_connection_limit > 0)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)o->per_ip_connection_limit, NULL};
    if (o->connection_memory_limit > 0)
        items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)o->connection_memory_limit, NULL};
    items[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    server->daemon = MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                                      MHD_OPTION_EXTERNAL_LOGGER, mhdshim_log_trampoline, (void *)server,
                                      MHD_OPTION_SOCK_ADDR, o->address,
                                      MHD_OPTION_NOTIFY_COMPLETED, o->completed, o->completed_cls,
                                      MHD_OPTION_ARRAY, items,
                                      MHD_OPTION_END);
    if (server->daemon == NULL) {
        int saved = errno;
        free(server);
        errno = saved;
        return NULL;
    }
    return server;
}

struct MHD_Daemon *mhdshim_daemon(struct mhdshim_server *server) { return server->daemon; }

uint16_t mhdshim_bound_port(struct mhdshim_server *server) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

int mhdshim_quiesce(struct mhdshim_server *server) {
    if (server->quiesced_fd >= 0) return 0;
    MHD_socket fd = MHD_quiesce_daemon(server->daemon);
    if (fd == MHD_INVALID_SOCKET) return -1;
    server->quiesced_fd = fd;
    return 0;
}

void mhdshim_stop(struct mhdshim_server *server) {
    if (server == NULL) return;
    MHD_stop_daemon(server->daemon);
    // MHD hands the listen socket to the caller on quiesce; it may be closed only after the stop.
    if (server->quiesced_fd >= 0) close(server->quiesced_fd);
    free(server);
}

int mhdshim_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

int mhdshim_client_address(struct MHD_Connection *connection, char *buffer, size_t capacity) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL || capacity == 0) return -1;
    const struct sockaddr *address = info->client_addr;
    const char *result = NULL;
    if (address->sa_family == AF_INET) {
        result = inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, buffer, (socklen_t)capacity);
    } else if (address->sa_family == AF_INET6) {
        result = inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, buffer, (socklen_t)capacity);
    }
    return result == NULL ? -1 : 0;
}

int mhdshim_set_connection_timeout(struct MHD_Connection *connection, unsigned int seconds) {
    return MHD_set_connection_option(connection, MHD_CONNECTION_OPTION_TIMEOUT, seconds) == MHD_YES ? 0 : -1;
}

int mhdshim_peer_closed(int fd) {
    if (fd < 0) return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP, .revents = 0};
    int ready = poll(&p, 1, 0);
    if (ready <= 0) return 0;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return 1;
    if (p.revents & POLLIN) {
        char byte;
        ssize_t got = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (got == 0) return 1;
        if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return 1;
    }
    return 0;
}

int mhdshim_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
