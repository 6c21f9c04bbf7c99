//! Registration: fixed files and buffers (ReadFixed / WriteFixed round trip through fixed
//! slots), sparse tables and slot updates, personalities, io-wq limits and affinity, and a
//! registered ring fd that really carries the submissions.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(liburing_has = "io_uring_prep_read")]

mod common;

use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use system_liburing::op::{Nop, Read, ReadFixed, WriteFixed};
use system_liburing::{OpFlags, Ring};

#[test]
fn fixed_buffers_and_files_round_trip() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "registered") else {
        return;
    };
    let path = std::env::temp_dir().join(format!("system-liburing-fixed-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    ring.register_files(&[Some(&file)]).unwrap();
    let mut bufs = ring.register_buffers(2, 4096).unwrap();
    assert_eq!(bufs.len(), 2);
    assert_eq!(bufs[1].index(), 1);
    assert!(
        bufs[0].iter().all(|&b| b == 0),
        "registered memory starts zeroed"
    );

    let mut w = bufs.remove(0);
    w.set_len(5);
    w.copy_from_slice(b"fixed");
    let slot = ring.fixed_file(0);
    let t = ring.push(WriteFixed::new(slot, w, 0)).unwrap();
    let (n, fd, _w) = ring.wait_for(t).unwrap();
    assert_eq!(fd, slot, "the slot comes back with the output");
    assert_eq!(n.unwrap(), 5);

    let r = bufs.remove(0);
    let t = ring.push(ReadFixed::new(slot, r, 0)).unwrap();
    let (n, _, r) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 5);
    assert_eq!(&r[..], b"fixed");

    // A plain Read through the fixed-file slot too.
    let t = ring
        .push(Read::new(slot, Vec::with_capacity(16), 0))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().2, b"fixed");

    assert_eq!(
        ring.register_buffers(1, 16).unwrap_err().raw_os_error(),
        Some(libc::EBUSY),
        "a second table is refused"
    );
    ring.unregister_files().unwrap();
    drop(file);
    std::fs::remove_file(path).unwrap();
}

#[test]
fn bad_buffer_shapes_are_einval() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "registered einval")
    else {
        return;
    };
    assert_eq!(
        ring.register_buffers(0, 16).unwrap_err().raw_os_error(),
        Some(libc::EINVAL)
    );
    assert_eq!(
        ring.register_buffers(4, 0).unwrap_err().raw_os_error(),
        Some(libc::EINVAL)
    );
}

/// `Ok(v)`, or a recorded skip when the kernel answers EINVAL (the register opcode is newer
/// than it); any other error fails the test.
fn or_skip_einval<T>(r: std::io::Result<T>, what: &str, needs: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(what, format_args!("needs kernel {needs} ({e})"));
            None
        }
        Err(e) => panic!("{what}: {e}"),
    }
}

#[test]
fn sparse_table_updated_in_place() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "sparse files") else {
        return;
    };
    if or_skip_einval(ring.register_files_sparse(4), "sparse files", "5.13").is_none() {
        return;
    }
    let (rd, mut wr) = common::pipe();
    assert_eq!(ring.register_files_update(2, &[Some(&rd)]).unwrap(), 1);
    // The table holds its own reference: the fd may go.
    drop(rd);
    wr.write_all(b"via slot 2").unwrap();
    let t = ring
        .push(Read::new(ring.fixed_file(2), Vec::with_capacity(32), 0))
        .unwrap();
    let (res, _, buf) = ring.wait_for(t).unwrap();
    assert_eq!(res.unwrap(), 10);
    assert_eq!(buf, b"via slot 2");

    // An empty slot (never filled, or cleared with -1) is EBADF in the CQE.
    for slot in [0, 2] {
        if slot == 2 {
            assert_eq!(
                ring.register_files_update(2, &[None::<std::fs::File>])
                    .unwrap(),
                1
            );
        }
        let t = ring
            .push(Read::new(ring.fixed_file(slot), Vec::with_capacity(8), 0))
            .unwrap();
        let (res, _, _) = ring.wait_for(t).unwrap();
        assert_eq!(
            res.unwrap_err().raw_os_error(),
            Some(libc::EBADF),
            "slot {slot}"
        );
    }

    // Past the end of the table.
    assert_eq!(
        ring.register_files_update(4, &[Some(&wr)])
            .unwrap_err()
            .raw_os_error(),
        Some(libc::EINVAL)
    );
    // A second table is refused.
    assert_eq!(
        ring.register_files_sparse(2).unwrap_err().raw_os_error(),
        Some(libc::EBUSY)
    );
}

#[test]
fn files_update_without_a_table_is_enxio() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "files update ENXIO")
    else {
        return;
    };
    let (rd, _wr) = common::pipe();
    assert_eq!(
        ring.register_files_update(0, &[Some(&rd)])
            .unwrap_err()
            .raw_os_error(),
        Some(libc::ENXIO)
    );
}

#[test]
fn personality_runs_ops_and_unknown_ids_are_einval() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "personality") else {
        return;
    };
    let Some(id) = or_skip_einval(ring.register_personality(), "personality", "5.6") else {
        return;
    };
    assert_ne!(id, 0);
    ring.push_with_user_data(Nop::new().personality(id), 1)
        .unwrap();
    ring.submit().unwrap();
    let cqe = ring.wait().unwrap();
    assert_eq!((cqe.user_data(), cqe.raw_result()), (1, 0));

    // A managed op with the personality does its work.
    let (rd, mut wr) = common::pipe();
    wr.write_all(b"as id").unwrap();
    let t = ring
        .push(Read::new(rd, Vec::with_capacity(8), 0).personality(id))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().2, b"as id");

    // Once unregistered, the id is unknown: the SQE fails with -EINVAL in its CQE.
    ring.unregister_personality(id).unwrap();
    assert_eq!(
        ring.unregister_personality(id).unwrap_err().raw_os_error(),
        Some(libc::EINVAL)
    );
    ring.push_with_user_data(Nop::new().personality(id), 2)
        .unwrap();
    ring.submit().unwrap();
    let cqe = ring.wait().unwrap();
    assert_eq!((cqe.user_data(), cqe.raw_result()), (2, -libc::EINVAL));
}

/// The first CPU this thread may run on.
fn an_allowed_cpu() -> usize {
    // SAFETY: an all-zero cpu_set_t is an empty set; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live cpu_set_t of the size passed.
    let ret = unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) };
    assert_eq!(ret, 0, "{}", std::io::Error::last_os_error());
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: cpu < CPU_SETSIZE, and `set` is initialised.
        .find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .expect("this thread may run on some CPU")
}

#[test]
fn iowq_limits_and_affinity() {
    // io-wq belongs to the thread that submits (without SQPOLL): a thread of our own, so the
    // limits set here cannot reach another test's rings even with --test-threads=1.
    std::thread::spawn(|| {
        let what = "io-wq max workers / affinity";
        let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), what) else {
            return;
        };
        let Some(_before) = or_skip_einval(ring.register_iowq_max_workers([2, 3]), what, "5.15")
        else {
            return;
        };
        assert_eq!(ring.register_iowq_max_workers([0, 0]).unwrap(), [2, 3]);
        // One limit at a time: 0 leaves the other as it is.
        assert_eq!(ring.register_iowq_max_workers([0, 5]).unwrap(), [2, 3]);
        assert_eq!(ring.register_iowq_max_workers([0, 0]).unwrap(), [2, 5]);
        assert_eq!(
            ring.register_iowq_max_workers([u32::MAX, 0])
                .unwrap_err()
                .raw_os_error(),
            Some(libc::EINVAL)
        );

        let cpu = an_allowed_cpu();
        ring.register_iowq_aff(&[cpu]).unwrap();
        // Work still runs (IOSQE_ASYNC forces it onto an io-wq worker).
        ring.push_with_user_data(Nop::new().flags(OpFlags::ASYNC), 9)
            .unwrap();
        ring.submit().unwrap();
        assert_eq!(ring.wait().unwrap().raw_result(), 0);
        ring.unregister_iowq_aff().unwrap();

        for bad in [&[][..], &[1024][..]] {
            assert_eq!(
                ring.register_iowq_aff(bad).unwrap_err().raw_os_error(),
                Some(libc::EINVAL),
                "{bad:?}"
            );
        }
    })
    .join()
    .unwrap();
}

/// After `register_ring_fd`, submissions and waits go through the registered index, not the
/// fd number: with the fd number pointing at /dev/null instead of the ring, a NOP still
/// completes.
#[test]
fn registered_ring_fd_carries_the_submissions() {
    // Registered ring fds are per thread: register and submit on a thread of our own.
    std::thread::spawn(|| {
        let what = "registered ring fd";
        let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), what) else {
            return;
        };
        let Some(_index) = or_skip_einval(ring.register_ring_fd(), what, "5.18") else {
            return;
        };
        let ring_fd = ring.as_raw_fd();
        // Keep the ring file reachable through a second fd, so that the fd number can be put
        // back before the ring is dropped: Drop (io_uring_queue_exit) then unregisters and
        // closes a real ring fd, as always, and closes nothing it does not own.
        // SAFETY: dup of an fd the ring keeps open; we own the result.
        let saved = unsafe { libc::dup(ring_fd) };
        assert!(saved >= 0);
        let devnull = std::fs::File::open("/dev/null").unwrap();
        // SAFETY: atomically replaces the ring's fd number with /dev/null; the ring file
        // stays alive through `saved` and the registration.
        assert_eq!(unsafe { libc::dup2(devnull.as_raw_fd(), ring_fd) }, ring_fd);

        // The fd number is no ring now: anything that uses it fails...
        assert_eq!(
            ring.probe().unwrap_err().raw_os_error(),
            Some(libc::EOPNOTSUPP),
            "the probe goes through the fd number"
        );
        // ...but submit and wait use the registered index, and still reach the ring.
        ring.push_with_user_data(Nop::new(), 77).unwrap();
        let submitted = ring.submit_and_wait(1);
        let cqe = ring.wait_timeout(std::time::Duration::from_secs(5));

        // Put the ring's fd number back before anything can fail and drop the ring.
        // SAFETY: `saved` is our dup of the ring fd; dup2 closes the /dev/null copy at
        // `ring_fd` and makes it the ring again; then our extra fd goes.
        unsafe {
            assert_eq!(libc::dup2(saved, ring_fd), ring_fd);
            libc::close(saved);
        }
        assert_eq!(submitted.unwrap(), 1);
        let cqe = cqe.unwrap().expect("the NOP completes");
        assert_eq!(cqe.user_data(), 77);
        ring.probe().expect("the fd number is the ring again");
    })
    .join()
    .unwrap();
}

/// Registered ring fds live in one thread's table. A ring registered on one thread and used
/// on another works there through its fd; registering again there is refused; dropping it
/// there leaves that thread's own registrations alone (liburing's `io_uring_queue_exit`
/// would unregister the same index in the dropping thread's table: another ring's).
#[test]
fn registered_ring_fd_is_per_thread() {
    let what = "registered ring fd across threads";
    let Some(mut moved) = common::ring_or_skip(Ring::builder().entries(4), what) else {
        return;
    };
    // Registered on a thread of its own, which then ends.
    let registered = std::thread::spawn(move || {
        let index = moved.register_ring_fd();
        (moved, index)
    })
    .join()
    .unwrap();
    let (mut moved, index) = registered;
    let Some(index) = or_skip_einval(index, what, "5.18") else {
        return;
    };
    std::thread::spawn(move || {
        let mut own = Ring::builder().entries(4).build().unwrap();
        let own_index = own.register_ring_fd().unwrap();
        assert_eq!(
            own_index, index,
            "both are the first registration of their thread: the same slot number"
        );

        // The moved ring works here through its fd.
        moved.push_with_user_data(Nop::new(), 1).unwrap();
        assert_eq!(moved.submit_and_wait(1).unwrap(), 1);
        assert_eq!(moved.wait().unwrap().user_data(), 1);
        let again = moved.register_ring_fd().unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists, "{again}");

        // Dropped here, it must not take this thread's slot (the same number) with it.
        drop(moved);
        own.push_with_user_data(Nop::new(), 2).unwrap();
        assert_eq!(
            own.submit_and_wait(1)
                .expect("this thread's registration survives"),
            1
        );
        assert_eq!(own.wait().unwrap().user_data(), 2);
        assert_eq!(own.register_ring_fd().unwrap(), own_index);
    })
    .join()
    .unwrap();
}

/// A split ring's completer may wait on another thread than the one that registered the
/// ring fd: its waits go through the fd there.
#[test]
fn split_completer_waits_on_another_thread_of_a_registered_ring() {
    let what = "registered ring fd, split";
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), what) else {
        return;
    };
    if or_skip_einval(ring.register_ring_fd(), what, "5.18").is_none() {
        return;
    }
    let (mut sub, mut com) = ring.split();
    std::thread::scope(|scope| {
        let waiter = scope.spawn(move || {
            (0..4)
                .map(|_| com.wait().map(|c| c.user_data()))
                .collect::<std::io::Result<Vec<u64>>>()
        });
        // Let the waiter block in the kernel first (with nothing to reap it must enter).
        std::thread::sleep(std::time::Duration::from_millis(100));
        for i in 0..4 {
            sub.push_with_user_data(Nop::new(), 10 + i).unwrap();
            sub.submit().unwrap();
        }
        let mut seen = waiter.join().unwrap().expect("waits on the other thread");
        seen.sort_unstable();
        assert_eq!(seen, [10, 11, 12, 13]);
    });
}

#[test]
fn sparse_buffer_table_filled_and_replaced_in_place() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "sparse buffers") else {
        return;
    };
    // Updating without a table is the kernel's ENXIO.
    let err = ring.register_buffers_update(0, 1, 4096).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENXIO));
    match ring.register_buffers_sparse(8) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(
                "sparse buffers",
                format_args!("this kernel refuses IORING_RSRC_REGISTER_SPARSE ({e})"),
            );
            return;
        }
        Err(e) => panic!("register_buffers_sparse: {e}"),
    }
    assert_eq!(
        ring.register_buffers(1, 4096).unwrap_err().raw_os_error(),
        Some(libc::EBUSY),
        "one buffer table per ring"
    );
    let (rx, tx) = common::pipe();

    // Slots 5 and 6 filled; the handles carry their slots.
    let mut bufs = ring.register_buffers_update(5, 2, 4096).unwrap();
    assert_eq!((bufs[0].index(), bufs[1].index()), (5, 6));
    let mut w = bufs.remove(1);
    w.set_len(6);
    w.copy_from_slice(b"slot 6");
    // The write end is shared: the op holds one handle, the test writes through the other.
    let tx = Arc::new(tx);
    let t = ring.push(WriteFixed::new(tx.clone(), w, u64::MAX)).unwrap();
    assert_eq!(ring.wait_for(t).unwrap().0.unwrap(), 6);
    let t = ring
        .push(ReadFixed::new(rx, bufs.remove(0), u64::MAX))
        .unwrap();
    let (n, rx, r) = ring.wait_for(t).unwrap();
    assert_eq!((n.unwrap(), &r[..]), (6, &b"slot 6"[..]));

    // Slot 5 replaced: the new handle works, the old one's memory is no longer slot 5's.
    let fresh = ring.register_buffers_update(5, 1, 8192).unwrap().remove(0);
    assert_eq!((fresh.index(), fresh.capacity()), (5, 8192));
    (&*tx).write_all(b"again").unwrap();
    let t = ring.push(ReadFixed::new(rx, r, u64::MAX)).unwrap();
    let (err, rx, _) = ring.wait_for(t).unwrap();
    assert_eq!(
        err.unwrap_err().raw_os_error(),
        Some(libc::EFAULT),
        "stale handle refused"
    );
    let t = ring.push(ReadFixed::new(rx, fresh, u64::MAX)).unwrap();
    let (n, _, fresh) = ring.wait_for(t).unwrap();
    assert_eq!((n.unwrap(), &fresh[..]), (5, &b"again"[..]));

    // Past the table's end: EINVAL, no handles.
    let err = ring.register_buffers_update(7, 2, 4096).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
}
