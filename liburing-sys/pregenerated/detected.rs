/// The liburing release the build is against, from the best evidence ([`LIBURING_VERSION_SOURCE`] says which), or `"unknown"`.
pub const LIBURING_VERSION: &str = "2.3";
/// Where [`LIBURING_VERSION`] comes from: `LIBURING_VERSION`, `io_uring_version.h` (2.4+), `library file name liburing.so.X.Y`, `header markers`, `pkg-config` or `liburing.pc (path)`, in that order of trust.
pub const LIBURING_VERSION_SOURCE: &str = "library file name liburing.so.2.3";
/// Every source of the release the build saw: (source, what it says).
pub const LIBURING_VERSION_EVIDENCE: &[(&str, &str)] = &[("library file name liburing.so.2.3", "2.3"), ("header markers", "2.3"), ("pkg-config", "2.3")];
/// The sources that disagree with [`LIBURING_VERSION`] (a `liburing.pc` that lags its release, say); empty when all agree.
pub const LIBURING_VERSION_DISAGREEMENTS: &[&str] = &[];
/// The library file the build linked against (empty when only the linker knew).
pub const LIBURING_LIBRARY: &str = "";
/// The `liburing.h` the bindings were generated from.
pub const LIBURING_HEADER: &str = "/usr/include/liburing.h";
/// Whether liburing was linked statically (`LIBURING_STATIC=1`).
pub const LIBURING_STATIC: bool = false;
/// How liburing was found.
pub const LIBURING_FOUND_BY: &str = "pregenerated for documentation (nothing linked)";
/// How the exported functions were learned ("symbol table" or "link tests").
pub const LIBURING_SYMBOLS_FROM: &str = "symbol table";
/// The detection table: (function, first liburing release with it, present in the linked library).
pub const FEATURES: &[(&str, &str, bool)] = &[
    ("io_uring_get_events", "2.3", true),
    ("io_uring_submit_and_get_events", "2.3", true),
    ("io_uring_register_ring_fd", "2.2", true),
    ("io_uring_unregister_ring_fd", "2.2", true),
    ("io_uring_close_ring_fd", "2.4", false),
    ("io_uring_register_buf_ring", "2.2", true),
    ("io_uring_unregister_buf_ring", "2.2", true),
    ("io_uring_setup_buf_ring", "2.4", false),
    ("io_uring_free_buf_ring", "2.4", false),
    ("io_uring_enable_rings", "2.4", false),
    ("io_uring_register_restrictions", "2.4", false),
    ("io_uring_register_files_sparse", "2.2", true),
    ("io_uring_register_buffers_sparse", "2.2", true),
    ("io_uring_register_iowq_max_workers", "2.1", true),
    ("io_uring_register_iowq_aff", "2.1", true),
    ("io_uring_unregister_iowq_aff", "2.1", true),
    ("io_uring_unregister_eventfd", "0.1", true),
    ("io_uring_register_files_update", "0.2", true),
    ("io_uring_register_eventfd_async", "0.6", true),
    ("io_uring_register_personality", "0.6", true),
    ("io_uring_unregister_personality", "0.6", true),
    ("io_uring_register_sync_cancel", "2.3", true),
    ("io_uring_register_sync_msg", "2.12", false),
    ("io_uring_register_file_alloc_range", "2.3", true),
    ("io_uring_submit_and_wait_timeout", "2.2", true),
    ("io_uring_get_probe_ring", "0.6", true),
    ("io_uring_free_probe", "0.7", true),
    ("io_uring_queue_init_params", "0.6", true),
    ("io_uring_peek_batch_cqe", "0.2", true),
    ("io_uring_wait_cqes", "0.4", true),
    ("io_uring_enter", "2.2", true),
    ("io_uring_enter2", "2.2", true),
    ("io_uring_setup", "2.2", true),
    ("io_uring_register", "2.2", true),
    ("io_uring_major_version", "2.4", false),
    ("io_uring_minor_version", "2.4", false),
    ("io_uring_check_version", "2.4", false),
    ("io_uring_mlock_size", "2.1", true),
];
/// Every `static inline` function of the installed header, each bound through the shim.
pub const INLINE_FUNCTIONS: &[&str] = &["io_uring_opcode_supported", "io_uring_cq_advance", "io_uring_cqe_seen", "io_uring_sqe_set_data", "io_uring_cqe_get_data", "io_uring_sqe_set_data64", "io_uring_cqe_get_data64", "io_uring_sqe_set_flags", "__io_uring_set_target_fixed_file", "io_uring_prep_rw", "io_uring_prep_splice", "io_uring_prep_tee", "io_uring_prep_readv", "io_uring_prep_readv2", "io_uring_prep_read_fixed", "io_uring_prep_writev", "io_uring_prep_writev2", "io_uring_prep_write_fixed", "io_uring_prep_recvmsg", "io_uring_prep_recvmsg_multishot", "io_uring_prep_sendmsg", "__io_uring_prep_poll_mask", "io_uring_prep_poll_add", "io_uring_prep_poll_multishot", "io_uring_prep_poll_remove", "io_uring_prep_poll_update", "io_uring_prep_fsync", "io_uring_prep_nop", "io_uring_prep_timeout", "io_uring_prep_timeout_remove", "io_uring_prep_timeout_update", "io_uring_prep_accept", "io_uring_prep_accept_direct", "io_uring_prep_multishot_accept", "io_uring_prep_multishot_accept_direct", "io_uring_prep_cancel64", "io_uring_prep_cancel", "io_uring_prep_cancel_fd", "io_uring_prep_link_timeout", "io_uring_prep_connect", "io_uring_prep_files_update", "io_uring_prep_fallocate", "io_uring_prep_openat", "io_uring_prep_openat_direct", "io_uring_prep_close", "io_uring_prep_close_direct", "io_uring_prep_read", "io_uring_prep_write", "io_uring_prep_statx", "io_uring_prep_fadvise", "io_uring_prep_madvise", "io_uring_prep_send", "io_uring_prep_send_zc", "io_uring_prep_send_zc_fixed", "io_uring_prep_sendmsg_zc", "io_uring_prep_send_set_addr", "io_uring_prep_recv", "io_uring_prep_recv_multishot", "io_uring_recvmsg_validate", "io_uring_recvmsg_name", "io_uring_recvmsg_cmsg_firsthdr", "io_uring_recvmsg_cmsg_nexthdr", "io_uring_recvmsg_payload", "io_uring_recvmsg_payload_length", "io_uring_prep_openat2", "io_uring_prep_openat2_direct", "io_uring_prep_epoll_ctl", "io_uring_prep_provide_buffers", "io_uring_prep_remove_buffers", "io_uring_prep_shutdown", "io_uring_prep_unlinkat", "io_uring_prep_unlink", "io_uring_prep_renameat", "io_uring_prep_rename", "io_uring_prep_sync_file_range", "io_uring_prep_mkdirat", "io_uring_prep_mkdir", "io_uring_prep_symlinkat", "io_uring_prep_symlink", "io_uring_prep_linkat", "io_uring_prep_link", "io_uring_prep_msg_ring", "io_uring_prep_getxattr", "io_uring_prep_setxattr", "io_uring_prep_fgetxattr", "io_uring_prep_fsetxattr", "io_uring_prep_socket", "io_uring_prep_socket_direct", "io_uring_prep_socket_direct_alloc", "io_uring_sq_ready", "io_uring_sq_space_left", "io_uring_sqring_wait", "io_uring_cq_ready", "io_uring_cq_has_overflow", "io_uring_cq_eventfd_enabled", "io_uring_cq_eventfd_toggle", "io_uring_wait_cqe_nr", "__io_uring_peek_cqe", "io_uring_peek_cqe", "io_uring_wait_cqe", "_io_uring_get_sqe", "io_uring_buf_ring_mask", "io_uring_buf_ring_init", "io_uring_buf_ring_add", "io_uring_buf_ring_advance", "io_uring_buf_ring_cq_advance", "io_uring_get_sqe"];
/// How many wrappers bindgen generated into the C shim.
pub const SHIM_WRAPPERS: usize = 107;
/// Out-of-line functions the header declares and the library exports (bound as is).
pub const LIBRARY_FUNCTIONS: &[&str] = &["io_uring_get_probe_ring", "io_uring_get_probe", "io_uring_free_probe", "io_uring_queue_init_params", "io_uring_queue_init", "io_uring_queue_mmap", "io_uring_ring_dontfork", "io_uring_queue_exit", "io_uring_peek_batch_cqe", "io_uring_wait_cqes", "io_uring_wait_cqe_timeout", "io_uring_submit", "io_uring_submit_and_wait", "io_uring_submit_and_wait_timeout", "io_uring_register_buffers", "io_uring_register_buffers_tags", "io_uring_register_buffers_sparse", "io_uring_register_buffers_update_tag", "io_uring_unregister_buffers", "io_uring_register_files", "io_uring_register_files_tags", "io_uring_register_files_sparse", "io_uring_register_files_update_tag", "io_uring_unregister_files", "io_uring_register_files_update", "io_uring_register_eventfd", "io_uring_register_eventfd_async", "io_uring_unregister_eventfd", "io_uring_register_probe", "io_uring_register_personality", "io_uring_unregister_personality", "__io_uring_sqring_wait", "io_uring_register_iowq_aff", "io_uring_unregister_iowq_aff", "io_uring_register_iowq_max_workers", "io_uring_register_ring_fd", "io_uring_unregister_ring_fd", "io_uring_register_buf_ring", "io_uring_unregister_buf_ring", "io_uring_register_sync_cancel", "io_uring_register_file_alloc_range", "io_uring_get_events", "io_uring_submit_and_get_events", "io_uring_enter", "io_uring_enter2", "io_uring_setup", "io_uring_register", "__io_uring_get_cqe", "io_uring_mlock_size", "io_uring_mlock_size_params"];
/// Functions the header declares but the library does not export (left out of the bindings).
pub const UNEXPORTED_FUNCTIONS: &[&str] = &["io_uring_register_restrictions", "io_uring_enable_rings"];
