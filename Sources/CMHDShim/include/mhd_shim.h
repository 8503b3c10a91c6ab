// Fixed-arity wrappers for the C-variadic parts of libmicrohttpd (MHD_start_daemon, MHD_get_daemon_info,
// MHD_get_connection_info, MHD_set_connection_option), which Swift cannot call.
#ifndef MHD_SHIM_H
#define MHD_SHIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/// Receives one formatted libmicrohttpd log message (no trailing newline guaranteed).
typedef void (*mhdshim_log_fn)(void *cls, const char *message);

/// Options for `mhdshim_start`. Zero means "libmicrohttpd's default" for the numeric limits.
struct mhdshim_options {
    const struct sockaddr *address;          ///< bind address including the port (port 0: ephemeral)
    unsigned int connection_timeout_s;       ///< idle seconds before a connection is closed (0: none)
    unsigned int connection_limit;           ///< maximum concurrent connections (0: MHD default)
    unsigned int per_ip_connection_limit;    ///< maximum concurrent connections per client IP (0: unlimited)
    size_t connection_memory_limit;          ///< bytes of the per-connection pool (headers live there)
    MHD_RequestCompletedCallback completed;  ///< called when a request ends (context release, metrics)
    void *completed_cls;
    mhdshim_log_fn log;                      ///< may be NULL: MHD messages are then dropped
    void *log_cls;
};

/// An MHD daemon plus the logger context that must outlive it.
struct mhdshim_server;

/// Starts a daemon with `flags` (MHD_USE_*), the access handler and the options. NULL on failure (errno may tell why).
struct mhdshim_server *mhdshim_start(unsigned int flags,
                                     MHD_AccessHandlerCallback handler, void *handler_cls,
                                     const struct mhdshim_options *options);

/// The underlying daemon.
struct MHD_Daemon *mhdshim_daemon(struct mhdshim_server *server);

/// The port the daemon listens on (0 if unknown).
uint16_t mhdshim_bound_port(struct mhdshim_server *server);

/// Stops accepting new connections; existing ones continue. Returns 0 on success.
int mhdshim_quiesce(struct mhdshim_server *server);

/// Stops the daemon (closing every connection), closes a quiesced listen socket and frees `server`.
void mhdshim_stop(struct mhdshim_server *server);

/// The socket of a connection (-1 if unknown).
int mhdshim_connection_fd(struct MHD_Connection *connection);

/// Writes the client's numeric address (IPv4 dotted or IPv6 text) to `buffer`. Returns 0 on success.
int mhdshim_client_address(struct MHD_Connection *connection, char *buffer, size_t capacity);

/// Overrides the idle timeout of one connection (0: none). Returns 0 on success.
int mhdshim_set_connection_timeout(struct MHD_Connection *connection, unsigned int seconds);

/// 1 if the peer of `fd` has closed or reset the connection (checked without blocking), else 0.
int mhdshim_peer_closed(int fd);

/// pipe2(fds, O_CLOEXEC) (declared only under _GNU_SOURCE, which Swift's Glibc view lacks): a pipe whose two
/// ends are never inherited by a process spawned meanwhile. Returns 0 on success, -1 with errno set.
int mhdshim_pipe_cloexec(int fds[2]);

#endif
