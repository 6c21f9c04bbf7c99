//! Completion dispatch (issue 13): tagged managed ops come back through `next_completion`
//! with their op, keyed by the user's tag — no map on the user's side; the plain CQE view
//! shows the tag as user_data (C ports compare it as in C); a dropped ticket's op is released
//! at its last CQE, not at ring drop.

// The tests gated on ops the linked liburing lacks are compiled out (tests/unavailable_ops.rs
// reports those ops), leaving some of what they share unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_write"
    )),
    allow(unused_imports, dead_code)
)]

mod common;

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
#[cfg(liburing_has = "io_uring_prep_read")]
use system_liburing::op::Read;
#[cfg(liburing_has = "io_uring_prep_write")]
use system_liburing::op::Write;
use system_liburing::op::{Nop, PollAdd};
use system_liburing::{IoBufMut, Ring};

fn ring(what: &str) -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(16), what)
}

/// A buffer that counts its drops.
#[derive(Debug)]
struct Counted {
    v: Vec<u8>,
    drops: Arc<AtomicUsize>,
}

// SAFETY: forwards to the Vec's heap block, which does not move with the struct.
unsafe impl IoBufMut for Counted {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.v.as_mut_ptr()
    }
    fn bytes_total(&self) -> usize {
        self.v.capacity()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: the caller promises n <= capacity bytes were written.
        unsafe { self.v.set_len(n) };
    }
    fn init_room(&mut self) {
        self.v.init_room();
    }
}

impl Counted {
    /// An 8-byte buffer whose drop counts on `drops`.
    #[allow(dead_code)] // the tests that use it need liburing's read helper
    fn new(drops: &Arc<AtomicUsize>) -> Counted {
        Counted {
            v: Vec::with_capacity(8),
            drops: drops.clone(),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn tagged_ops_come_back_by_tag_and_type() {
    let Some(mut ring) = ring("dispatch by tag") else {
        return;
    };
    let (r, mut w) = common::pipe();
    let r = Arc::new(r);
    w.write_all(b"abcdef").unwrap();
    ring.push_tagged(Read::new(r.clone(), Vec::with_capacity(3), u64::MAX), 10)
        .unwrap();
    ring.push_tagged(Nop::new(), 20).unwrap();
    ring.push_tagged(Read::new(r.clone(), Vec::with_capacity(3), u64::MAX), 11)
        .unwrap();
    ring.submit_and_wait(3).unwrap();
    let mut reads = Vec::new();
    let mut nops = 0;
    while let Some(c) = ring.next_completion().unwrap() {
        match c.user_data() {
            10 | 11 => {
                let tag = c.user_data();
                assert!(c.is::<Read<Arc<std::fs::File>, Vec<u8>>>());
                assert!(!c.is::<Nop>());
                let c = c.output::<Nop>().expect_err("not a Nop");
                let (n, _r, buf) = c
                    .output::<Read<Arc<std::fs::File>, Vec<u8>>>()
                    .ok()
                    .unwrap();
                assert_eq!(n.unwrap(), 3);
                reads.push((tag, buf));
            }
            20 => {
                // An op that owns nothing comes back as its result.
                assert_eq!(c.result().unwrap(), 0);
                nops += 1;
            }
            other => panic!("unexpected tag {other}"),
        }
    }
    // Which read ran first is the kernel's choice (6.1 runs the second before the first):
    // each tag came back once, and the two reads took the six bytes between them.
    reads.sort();
    assert_eq!(reads.iter().map(|(t, _)| *t).collect::<Vec<_>>(), [10, 11]);
    let mut chunks: Vec<Vec<u8>> = reads.into_iter().map(|(_, b)| b).collect();
    chunks.sort();
    assert_eq!(chunks, [b"abc".to_vec(), b"def".to_vec()]);
    assert_eq!(nops, 1);
    assert_eq!(ring.in_flight(), 0);
}

#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn the_plain_view_shows_the_tag_and_releases_the_op() {
    let Some(mut ring) = ring("plain view of tags") else {
        return;
    };
    let drops = Arc::new(AtomicUsize::new(0));
    let file = std::fs::File::open("/dev/zero").unwrap();
    let buf = Counted::new(&drops);
    ring.push_tagged(Read::new(file, buf, 0), 1).unwrap();
    ring.submit_and_wait(1).unwrap();
    let cqe = ring.wait().unwrap();
    assert_eq!(cqe.user_data(), 1, "like C: cqe->user_data == 1");
    assert_eq!(cqe.result().unwrap(), 8);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "released at its CQE");
    assert_eq!(ring.in_flight(), 0);
}

#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_completion_dropped_unread_releases_its_op() {
    let Some(mut ring) = ring("dropped completion") else {
        return;
    };
    let drops = Arc::new(AtomicUsize::new(0));
    let file = std::fs::File::open("/dev/zero").unwrap();
    let buf = Counted::new(&drops);
    ring.push_tagged(Read::new(file, buf, 0), 5).unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.wait_completion().unwrap();
    assert_eq!(c.user_data(), 5);
    assert_eq!(drops.load(Ordering::SeqCst), 0, "held by the completion");
    drop(c);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "released with it");
}

#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
#[test]
fn a_dropped_ticket_releases_its_op_at_completion() {
    let Some(mut ring) = ring("dropped ticket") else {
        return;
    };
    let drops = Arc::new(AtomicUsize::new(0));
    let (r, mut w) = common::pipe();
    let buf = Counted::new(&drops);
    drop(ring.push(Read::new(r, buf, u64::MAX)).unwrap());
    ring.submit().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0, "in flight: kept");
    w.write_all(b"x").unwrap();
    let cqe = ring.wait().unwrap();
    assert_eq!(cqe.result().unwrap(), 1);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "released at its completion, not at ring drop"
    );
    assert_eq!(ring.in_flight(), 0);
    // A ticket dropped after its completion was reaped releases at the ring's next managed
    // push or reap.
    let buf = Counted::new(&drops);
    let t = ring
        .push(Write::new(
            std::fs::File::options()
                .write(true)
                .open("/dev/null")
                .unwrap(),
            vec![1; 4],
            0,
        ))
        .unwrap();
    let t2 = ring
        .push(Read::new(std::fs::File::open("/dev/zero").unwrap(), buf, 0))
        .unwrap();
    ring.submit_and_wait(2).unwrap();
    ring.wait_for(t).unwrap().0.unwrap();
    while ring.peek().unwrap().is_some() {} // t2's CQE: its op is done, its ticket alive
    drop(t2);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let t3 = ring.push(Nop::new()).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    ring.wait_for(t3).unwrap().unwrap();
}

#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn not_completed_converts_into_io_error() {
    let Some(mut ring) = ring("NotCompleted into io::Error") else {
        return;
    };
    let (r, _w) = common::pipe();
    let t = ring
        .push(Read::new(r, Vec::with_capacity(8), u64::MAX))
        .unwrap();
    let f = || -> std::io::Result<()> {
        let (_res, _r, _buf) = ring.finish(t)?;
        Ok(())
    };
    assert_eq!(f().unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

/// The crate's own requests (the cancel an abandoned async op sends) reach no one: every
/// way of reaping skips their CQEs, so a completion loop sees only what was pushed; from the
/// CQ ring, and from the completions `wait_for` reaped on its way and kept.
#[test]
fn the_crates_own_cancels_reach_no_reaping_path() {
    #[derive(Debug, Clone, Copy)]
    enum Reap {
        Peek,
        Drain,
        Batch,
        BatchDispatch,
        Dispatch,
    }
    // A current-thread runtime whose driver never runs (the test never awaits): the CQEs
    // stay in the ring for the test's own reaping.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let Some(ring) = ring("the crate's own cancels") else {
            return;
        };
        let ring = system_liburing::rt::AsyncRing::new(ring).unwrap();
        let paths = [
            Reap::Peek,
            Reap::Drain,
            Reap::Batch,
            Reap::BatchDispatch,
            Reap::Dispatch,
        ];
        for (how, kept) in paths.into_iter().flat_map(|h| [(h, false), (h, true)]) {
            let (r, _w) = common::pipe();
            // Dropped in flight: the poll (every liburing has its helper; nothing writes the
            // pipe) is cancelled by a request of the crate's own.
            drop(ring.op(PollAdd::new(r, libc::POLLIN as u32)));
            let mut g = ring.ring();
            assert_eq!(
                g.wait_nr(2).unwrap(),
                2,
                "{how:?}: the poll's and the cancel's"
            );
            if kept {
                // A NOP's wait_for reaps both on its way, for the reaping below.
                let t = g.push(Nop::new()).unwrap();
                g.wait_for(t).unwrap().unwrap();
            }
            let how = (how, kept);
            let mut results = Vec::new();
            match how.0 {
                Reap::Peek => {
                    while let Some(c) = g.peek().unwrap() {
                        results.push(c.raw_result());
                    }
                }
                Reap::Drain => {
                    let mut out = [system_liburing::Cqe::default(); 4];
                    let n = g.drain(&mut out).unwrap();
                    results.extend(out[..n].iter().map(|c| c.raw_result()));
                }
                Reap::Batch => results.extend(g.completions().map(|c| c.raw_result())),
                Reap::BatchDispatch => {
                    let mut q = g.completions();
                    while let Some(c) = q.next_completion() {
                        results.push(c.raw_result());
                    }
                }
                Reap::Dispatch => {
                    while let Some(c) = g.next_completion().unwrap() {
                        results.push(c.raw_result());
                    }
                }
            }
            assert_eq!(
                results.len(),
                1,
                "{how:?}: only the poll's CQE, {results:?}"
            );
            assert!(
                results[0] < 0,
                "{how:?}: the poll was cancelled, {results:?}"
            );
            assert_eq!(g.in_flight(), 0, "{how:?}");
        }
    });
}

/// What a `Completion` shows is the CQE as the kernel wrote it, the tag in place of the
/// token: the result (count or errno), the raw result, the flags, whether an op comes back
/// with it. Checked on a count, an error and an op pushed without a table row.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_completion_shows_its_cqe() {
    let Some(mut ring) = ring("the completion's view") else {
        return;
    };
    let (r, mut w) = common::pipe();
    w.write_all(b"xyz").unwrap();
    let (r, w) = (Arc::new(r), Arc::new(w));
    ring.push_tagged(Read::new(r.clone(), Vec::with_capacity(8), u64::MAX), 5)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.next_completion().unwrap().expect("the read's CQE");
    assert_eq!((c.user_data(), c.raw_result()), (5, 3));
    assert_eq!(c.result().unwrap(), 3);
    assert_eq!(c.cqe(), system_liburing::Cqe::new(5, 3, 0));
    assert!(c.flags().is_empty() && !c.has_more());
    assert!(c.is_managed(), "a tagged op comes back with its CQE");
    let shown = format!("{c:?}");
    assert!(
        shown.contains("res: 3") && shown.contains("managed: true"),
        "{shown}"
    );
    let (n, _r, buf) = c
        .output::<Read<Arc<std::fs::File>, Vec<u8>>>()
        .ok()
        .unwrap();
    assert_eq!((n.unwrap(), &buf[..]), (3, &b"xyz"[..]));

    // Reading the pipe's write end fails: the errno is the result, the op still comes back.
    ring.push_tagged(Read::new(w.clone(), Vec::with_capacity(8), u64::MAX), 6)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring
        .next_completion()
        .unwrap()
        .expect("the failed read's CQE");
    assert_eq!(c.raw_result(), -libc::EBADF);
    assert_eq!(c.result().unwrap_err().raw_os_error(), Some(libc::EBADF));
    assert_eq!(c.cqe(), system_liburing::Cqe::new(6, -libc::EBADF, 0));
    assert!(c.is_managed());
    drop(c); // releases the op
    assert_eq!(ring.in_flight(), 0);

    // An op that owns nothing, pushed with its own user_data: nothing to take back.
    ring.push_with_user_data(Nop::new().inject_result(9), 77)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.next_completion().unwrap().expect("the NOP's CQE");
    assert_eq!(c.user_data(), 77);
    assert!(!c.is_managed(), "no op comes back with an unmanaged CQE");
}

/// The flags are the kernel's: a receive into a provided buffer shows
/// `IORING_CQE_F_BUFFER` with the buffer's id in the high 16 bits.
#[cfg(liburing_has = "io_uring_prep_recv")]
#[test]
fn a_completion_shows_the_kernels_flags() {
    use system_liburing::op::RecvSelect;
    use system_liburing::CqeFlags;
    let Some(mut ring) = ring("the completion's flags") else {
        return;
    };
    let bufs = match ring.register_buf_ring(2, 16, 3) {
        Ok(b) => b,
        Err(e) => {
            return common::skip(
                "completion flags",
                format_args!("no provided buffer rings here (5.19): {e}"),
            )
        }
    };
    let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.write_all(b"hi").unwrap();
    ring.push_tagged(RecvSelect::new(Arc::new(b), &bufs, 0, 0), 8)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.next_completion().unwrap().expect("the receive's CQE");
    assert!(c.flags().contains(CqeFlags::BUFFER), "{:?}", c.flags());
    assert_eq!(c.flags(), c.cqe().flags());
    assert!(
        c.flags().bits() >> 16 < 2,
        "the id of one of the ring's two buffers"
    );
    let (buf, _b) = c
        .output::<RecvSelect<Arc<std::os::unix::net::UnixStream>>>()
        .ok()
        .unwrap();
    assert_eq!(&*buf.unwrap(), b"hi");
}

/// A split ring's completing half dispatches too, and a multishot op's items arrive as
/// completions that still have more (`IORING_CQE_F_MORE`), each taken with `item`, until
/// the last CQE ends the stream and releases the op.
#[cfg(all(
    liburing_has = "io_uring_prep_poll_multishot",
    liburing_has = "io_uring_prep_cancel_fd"
))]
#[test]
fn multishot_items_arrive_through_a_split_completer() {
    use system_liburing::op::{CancelFd, PollMulti};
    let Some(mut ring) = ring("multishot dispatch on a split ring") else {
        return;
    };
    let (r, mut w) = common::pipe();
    let r = Arc::new(r);
    let (mut sq, mut cq) = ring.split();
    sq.push_tagged(PollMulti::new(r.clone(), libc::POLLIN as u32), 40)
        .unwrap();
    sq.submit().unwrap();
    w.write_all(b"x").unwrap();
    sq.submit_and_wait(1).unwrap();
    let c = cq
        .next_completion()
        .unwrap()
        .expect("the poll's first item");
    assert_eq!(c.user_data(), 40);
    assert!(c.has_more(), "an armed multishot poll posts with F_MORE");
    let Ok(Some(item)) = c.item::<PollMulti<Arc<std::fs::File>>>() else {
        panic!("a PollMulti's CQE with an item");
    };
    assert!(item.unwrap() & libc::POLLIN as u32 != 0);

    // Cancelling the poll ends the stream: its last CQE has no F_MORE, and releases the op.
    sq.push_tagged(CancelFd::new(r.clone(), 0), 41).unwrap();
    sq.submit_and_wait(1).unwrap();
    let mut ended = false;
    for _ in 0..8 {
        let Some(c) = cq.next_completion().unwrap() else {
            sq.submit_and_wait(1).unwrap();
            continue;
        };
        match c.user_data() {
            40 if !c.has_more() => ended = true,
            40 | 41 => {}
            other => panic!("unexpected tag {other}"),
        }
        if ended {
            break;
        }
    }
    assert!(ended, "the poll's last CQE came");
    assert_eq!(ring.in_flight(), 0, "the op went with its last CQE");
}

/// An op that owns nothing (NOP, a timeout removal) pushed with a tag takes no row of the
/// in-flight table: its completion carries its tag and its own result, exactly once, and
/// its output is made from the CQE. A tag with bit 63 set is refused as for any tagged op.
#[cfg(liburing_has = "io_uring_prep_timeout_remove")]
#[test]
fn tagged_ops_that_own_nothing_keep_no_row() {
    use system_liburing::op::TimeoutRemove;
    use system_liburing::PushError;
    let Some(mut ring) = ring("tagged ops that own nothing") else {
        return;
    };
    const MAX_TAG: u64 = u64::MAX >> 1;
    ring.push_tagged(Nop::new(), 7).unwrap();
    ring.push_tagged(TimeoutRemove::new(0x1234), 8).unwrap();
    ring.push_tagged(Nop::new(), MAX_TAG).unwrap();
    assert_eq!(ring.in_flight(), 0, "nothing held for them");
    for reserved in [1 << 63, u64::MAX] {
        match ring.push_tagged(Nop::new(), reserved) {
            Err(PushError::ReservedUserData(_)) => {}
            other => panic!("tag {reserved:#x}: {other:?}"),
        }
    }
    ring.submit_and_wait(3).unwrap();
    let mut seen = Vec::new();
    while let Some(c) = ring.next_completion().unwrap() {
        assert!(!c.is_managed(), "{c:?}");
        let tag = c.user_data();
        seen.push(tag);
        match tag {
            7 | MAX_TAG => {
                assert!(c.is::<Nop>());
                assert_eq!(c.output::<Nop>().ok().unwrap().unwrap(), 0);
            }
            8 => {
                let e = c.output::<TimeoutRemove>().ok().unwrap().unwrap_err();
                assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "no such timeout");
            }
            other => panic!("tag {other:#x}"),
        }
    }
    seen.sort();
    assert_eq!(seen, [7, 8, MAX_TAG], "each once, no refused one");
    assert!(ring.next_completion().unwrap().is_none());
}

/// Tagged ops the ring holds, tagged ops that own nothing, ticketed ops and plain
/// user_data ops on one ring: every completion comes back once under its own tag, and none
/// gives out another kind's output.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn mixed_tagged_ticketed_and_plain_ops_stay_apart() {
    let Some(mut ring) = ring("mixed dispatch") else {
        return;
    };
    type ZeroRead = Read<std::fs::File, Vec<u8>>;
    let zero = || std::fs::File::open("/dev/zero").unwrap();
    let mut ticket = None;
    for round in 0..3u64 {
        let base = round * 10;
        ring.push_tagged(Read::new(zero(), Vec::with_capacity(4), 0), base + 1)
            .unwrap();
        ring.push_tagged(Nop::new(), base + 2).unwrap();
        ring.push_with_user_data(Nop::new(), base + 3).unwrap();
        if round == 1 {
            ticket = Some(
                ring.push(Read::new(zero(), Vec::with_capacity(2), 0))
                    .unwrap(),
            );
        }
        ring.push_tagged(Read::new(zero(), Vec::with_capacity(4), 0), base + 4)
            .unwrap();
    }
    assert_eq!(
        ring.in_flight(),
        7,
        "the six tagged reads and the ticketed one"
    );
    ring.submit_and_wait(13).unwrap();
    let mut seen = Vec::new();
    let mut ticketed = 0;
    while let Some(c) = ring.next_completion().unwrap() {
        let tag = c.user_data();
        if tag >> 63 == 1 {
            // The ticketed read's: its ticket takes it back, nothing here.
            assert!(!c.is_managed() && !c.is::<Nop>() && !c.is::<ZeroRead>());
            let c = c.output::<Nop>().expect_err("a ticketed op is no Nop");
            drop(c.output::<ZeroRead>().expect_err("nor its output here"));
            ticketed += 1;
            continue;
        }
        seen.push(tag);
        match tag % 10 {
            1 | 4 => {
                assert!(c.is_managed() && !c.is::<Nop>());
                let c = c.output::<Nop>().expect_err("a read is no Nop");
                let (n, _f, buf) = c.output::<ZeroRead>().ok().unwrap();
                assert_eq!((n.unwrap(), buf.len()), (4, 4));
            }
            2 | 3 => {
                assert!(!c.is_managed() && !c.is::<ZeroRead>());
                let c = c.output::<ZeroRead>().expect_err("a NOP is no read");
                assert_eq!(c.output::<Nop>().ok().unwrap().unwrap(), 0);
            }
            _ => panic!("tag {tag}"),
        }
    }
    seen.sort();
    let want: Vec<u64> = (0..3u64)
        .flat_map(|r| [1, 2, 3, 4].map(|k| r * 10 + k))
        .collect();
    assert_eq!((seen, ticketed), (want, 1));
    let (n, _f, buf) = ring.wait_for(ticket.unwrap()).unwrap();
    assert_eq!((n.unwrap(), buf.len()), (2, 2));
    assert_eq!(ring.in_flight(), 0);
}

/// A ticket in a log or a panic message says which op it is and its CQE's user_data.
#[test]
fn a_ticket_debugs_as_its_op_and_user_data() {
    let Some(mut ring) = ring("ticket Debug") else {
        return;
    };
    let t = ring.push(Nop::new()).unwrap();
    let shown = format!("{t:?}");
    assert!(shown.contains("Nop"), "{shown}");
    assert!(
        shown.contains(&format!("{:#x}", t.user_data())),
        "{shown} lacks {:#x}",
        t.user_data()
    );
    ring.wait_for(t).unwrap().unwrap();
}

/// `wait_for` keeps the completions it reaped meanwhile; a drain then takes those first, in
/// order and no more than the buffer holds, a tagged op's under its tag, then what the ring
/// holds. (The first managed op of a fresh ring has slot 0, generation 0: its token is bit
/// 63 alone.)
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_drain_gives_the_completions_wait_for_kept_then_the_rings() {
    use system_liburing::Cqe;
    let Some(mut ring) = ring("drain after wait_for") else {
        return;
    };
    let zero = || std::fs::File::open("/dev/zero").unwrap();
    for tag in 1..=3 {
        ring.push_tagged(Read::new(zero(), Vec::with_capacity(8), 0), tag)
            .unwrap();
    }
    let t = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(4).unwrap();
    ring.wait_for(t).unwrap().unwrap();
    for tag in 4..=5 {
        ring.push_tagged(Read::new(zero(), Vec::with_capacity(8), 0), tag)
            .unwrap();
    }
    ring.submit_and_wait(2).unwrap();
    let mut out = [Cqe::default(); 2];
    assert_eq!(
        ring.drain(&mut out).unwrap(),
        2,
        "as many as the buffer holds"
    );
    assert_eq!(out.map(|c| c.user_data()), [1, 2], "the kept ones, by tag");
    let mut out = [Cqe::default(); 4];
    assert_eq!(
        ring.drain(&mut out).unwrap(),
        3,
        "the last kept one, then the ring's two"
    );
    assert_eq!(
        out[..3].iter().map(|c| c.user_data()).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    assert!(out[..3].iter().all(|c| c.raw_result() == 8), "{out:?}");
    assert_eq!(ring.in_flight(), 0, "each tagged op released at its CQE");
    assert_eq!(ring.drain(&mut out).unwrap(), 0);
}

/// A drain straight off the ring shows a tagged op's tag and releases its op, from the first
/// managed op of a fresh ring on (its token is bit 63 alone: slot 0, generation 0); a plain
/// op's user_data passes as it is.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_drain_shows_tags_from_a_rings_first_op_on() {
    use system_liburing::Cqe;
    let Some(mut ring) = ring("drain of the ring") else {
        return;
    };
    let drops = Arc::new(AtomicUsize::new(0));
    let file = std::fs::File::open("/dev/zero").unwrap();
    ring.push_tagged(Read::new(file, Counted::new(&drops), 0), 7)
        .unwrap();
    ring.push_with_user_data(Nop::new(), 8).unwrap();
    ring.submit_and_wait(2).unwrap();
    let mut out = [Cqe::default(); 4];
    assert_eq!(ring.drain(&mut out).unwrap(), 2);
    let mut got: Vec<u64> = out[..2].iter().map(|c| c.user_data()).collect();
    got.sort_unstable();
    assert_eq!(got, [7, 8]);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "released at its CQE");
    assert_eq!(ring.in_flight(), 0);
}

/// The batch view's `next_completion`, straight off the ring, hands a tagged op back under
/// its tag, from the first managed op of a fresh ring on (its token is bit 63 alone); a plain
/// op's user_data passes as it is.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn the_batch_view_gives_a_rings_first_tagged_op_back() {
    let Some(mut ring) = ring("next_completion in the batch view") else {
        return;
    };
    let file = std::fs::File::open("/dev/zero").unwrap();
    ring.push_tagged(Read::new(file, Vec::with_capacity(8), 0), 7)
        .unwrap();
    ring.push_with_user_data(Nop::new(), 8).unwrap();
    ring.submit_and_wait(2).unwrap();
    let mut seen = Vec::new();
    {
        let mut q = ring.completions();
        while let Some(c) = q.next_completion() {
            seen.push(c.user_data());
            if c.user_data() == 7 {
                let Ok((res, _file, buf)) = c.output::<Read<std::fs::File, Vec<u8>>>() else {
                    panic!("the tagged read's op comes back with it");
                };
                assert_eq!(res.unwrap(), 8);
                assert_eq!(buf, [0; 8]);
            }
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, [7, 8]);
    assert_eq!(ring.in_flight(), 0);
}

/// The batch view (`completions()`) shows a tagged op's tag on each of its CQEs, the items of
/// a multishot op and its last, from a fresh ring's first managed op on (its token is bit 63
/// alone), and releases the op at its last.
#[cfg(all(
    liburing_has = "io_uring_prep_poll_multishot",
    liburing_has = "io_uring_prep_cancel_fd"
))]
#[test]
fn the_batch_view_shows_the_tag_on_every_cqe() {
    use system_liburing::op::{CancelFd, PollMulti};
    use system_liburing::CqeFlags;
    let Some(mut ring) = ring("tags in the batch view") else {
        return;
    };
    let (r, mut w) = common::pipe();
    let r = Arc::new(r);
    ring.push_tagged(PollMulti::new(r.clone(), libc::POLLIN as u32), 40)
        .unwrap();
    ring.submit().unwrap();
    w.write_all(b"x").unwrap();
    ring.submit_and_wait(1).unwrap();
    let items: Vec<(u64, bool)> = ring
        .completions()
        .map(|c| (c.user_data(), c.flags().contains(CqeFlags::MORE)))
        .collect();
    assert_eq!(items, [(40, true)], "the poll's item, under its tag");
    // Cancelling the poll ends the stream: two CQEs, the cancel's and the poll's last (no
    // F_MORE).
    ring.push_tagged(CancelFd::new(r.clone(), 0), 41).unwrap();
    ring.submit_and_wait(1).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let before = seen.len();
        seen.extend(
            ring.completions()
                .map(|c| (c.user_data(), c.flags().contains(CqeFlags::MORE))),
        );
        if seen.len() < 2 && seen.len() == before {
            ring.submit_and_wait(1).unwrap();
        }
    }
    assert!(
        seen.iter().all(|&(tag, _)| tag == 40 || tag == 41),
        "every CQE under its tag: {seen:x?}"
    );
    assert!(
        seen.contains(&(40, false)),
        "the poll's last CQE: {seen:x?}"
    );
    assert_eq!(ring.in_flight(), 0, "the op went with its last CQE");
}

/// Completions `wait_for` kept come back through `next_completion` as they would have: a
/// tagged op's under its tag with its op (from a fresh ring's first managed op on: token bit
/// 63 alone), a plain op's under its user_data.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn next_completion_gives_what_wait_for_kept() {
    let Some(mut ring) = ring("next_completion after wait_for") else {
        return;
    };
    let file = std::fs::File::open("/dev/zero").unwrap();
    ring.push_tagged(Read::new(file, Vec::with_capacity(8), 0), 7)
        .unwrap();
    ring.push_with_user_data(Nop::new(), 8).unwrap();
    let t = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(3).unwrap();
    ring.wait_for(t).unwrap().unwrap();
    let mut seen = Vec::new();
    while let Some(c) = ring.next_completion().unwrap() {
        seen.push(c.user_data());
        if c.user_data() == 7 {
            let Ok((res, _file, buf)) = c.output::<Read<std::fs::File, Vec<u8>>>() else {
                panic!("the tagged read's op comes back with it");
            };
            assert_eq!(res.unwrap(), 8);
            assert_eq!(buf, [0; 8]);
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, [7, 8]);
    assert_eq!(ring.in_flight(), 0);
}

/// The batch view (`completions()`) starts from the completions `wait_for` reaped on its way
/// and kept: a tagged op's shows its tag, from a fresh ring's first managed op on (its token
/// is bit 63 alone), and its op is released there; a plain op's passes as it is.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn the_batch_view_shows_tags_on_what_wait_for_kept() {
    let Some(mut ring) = ring("the batch view after wait_for") else {
        return;
    };
    let drops = Arc::new(AtomicUsize::new(0));
    let file = std::fs::File::open("/dev/zero").unwrap();
    ring.push_tagged(Read::new(file, Counted::new(&drops), 0), 7)
        .unwrap();
    ring.push_with_user_data(Nop::new(), 8).unwrap();
    let t = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(3).unwrap();
    ring.wait_for(t).unwrap().unwrap();
    assert_eq!(ring.cq_ready(), 2, "both kept");
    let mut seen: Vec<u64> = ring.completions().map(|c| c.user_data()).collect();
    seen.sort_unstable();
    assert_eq!(seen, [7, 8]);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "released at its CQE");
    assert_eq!(ring.in_flight(), 0);
}
