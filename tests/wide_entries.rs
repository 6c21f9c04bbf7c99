//! Rings with 128-byte SQEs (`IORING_SETUP_SQE128`) and 32-byte CQEs (`IORING_SETUP_CQE32`),
//! kernel 5.19: each entry spans two of the crate's 64- / 16-byte entries, so every index
//! into the SQE and CQE arrays is shifted. Every SQE must reach the kernel as written and
//! every CQE come back once, in order, through peek, drain and the batch view, also once
//! the ring has wrapped.

mod common;

use system_liburing::op::Nop;
use system_liburing::{Cqe, Ring, SetupFlags};

const ENTRIES: u32 = 8;

/// Pushes `ENTRIES` NOPs with user_data `from..`, submits and waits for all of them.
fn round(ring: &mut Ring, from: u64) {
    let mut sq = ring.submitter();
    for i in 0..u64::from(ENTRIES) {
        sq.push_with_user_data(Nop::new(), from + i).unwrap();
    }
    assert_eq!(sq.submit_and_wait(ENTRIES).unwrap(), ENTRIES);
}

/// Reaps one round of `ENTRIES` completions, a third each through peek, drain and the batch.
fn reap(ring: &mut Ring) -> Vec<u64> {
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(ring.peek().unwrap().expect("a ready CQE").user_data());
    }
    let mut out = [Cqe::default(); 3];
    assert_eq!(ring.drain(&mut out).unwrap(), 3);
    got.extend(out.iter().map(|c| c.user_data()));
    got.extend(ring.completions().map(|c| c.user_data()));
    got
}

fn wide_ring(flags: SetupFlags, what: &str) -> Option<Ring> {
    if cfg!(not(liburing_has = "io_uring_register_ring_fd")) {
        // Releases before 2.2 map the rings for 64-byte SQEs / 16-byte CQEs only, and
        // `build` refuses the flags there.
        common::skip(what, format_args!("needs liburing 2.2+"));
        return None;
    }
    common::ring_with_feature_or_skip(
        Ring::builder()
            .entries(ENTRIES)
            .cq_entries(ENTRIES)
            .setup_flags(flags),
        what,
    )
}

fn every_entry_round_trips(flags: SetupFlags, what: &str) {
    let Some(mut ring) = wide_ring(flags, what) else {
        return;
    };
    // Three rounds: the SQ and CQ indices wrap past the arrays' ends twice.
    for r in 0..3u64 {
        let from = r * 100;
        round(&mut ring, from);
        let want: Vec<u64> = (from..from + u64::from(ENTRIES)).collect();
        assert_eq!(reap(&mut ring), want, "{what}, round {r}");
        assert!(ring.peek().unwrap().is_none(), "{what}: nothing more");
    }
}

#[test]
fn big_sqes_reach_the_kernel_as_written() {
    every_entry_round_trips(SetupFlags::SQE128, "SQE128");
}

#[test]
fn big_cqes_come_back_once_in_order() {
    every_entry_round_trips(SetupFlags::CQE32, "CQE32");
}

#[test]
fn big_sqes_and_cqes_together() {
    every_entry_round_trips(SetupFlags::SQE128 | SetupFlags::CQE32, "SQE128 + CQE32");
}

/// `wait_for` reaps a wide ring's CQEs one at a time on its way, keeping the others for
/// peek, in order.
#[test]
fn wait_for_reaps_big_cqes() {
    let Some(mut ring) = wide_ring(SetupFlags::CQE32, "CQE32 wait_for") else {
        return;
    };
    for from in [0, 100] {
        ring.push_with_user_data(Nop::new(), from).unwrap();
        ring.push_with_user_data(Nop::new(), from + 1).unwrap();
        let t = ring.push(Nop::new()).unwrap();
        ring.wait_for(t).unwrap().unwrap();
        assert_eq!(ring.peek().unwrap().map(|c| c.user_data()), Some(from));
        assert_eq!(ring.peek().unwrap().map(|c| c.user_data()), Some(from + 1));
        assert!(ring.peek().unwrap().is_none());
    }
}

// A slot is handed out with its second half zeroed for a driver command on a 128-byte-SQE
// ring, which reads it (a raw SQE may have left buffer addresses there), and on a 64-byte
// ring the command's SQE is one slot: the next slot, which may hold a queued SQE, is not
// touched. (The socket command's result does not matter here, only the SQEs.)

/// A UDP socket for the driver commands.
#[cfg(liburing_has = "io_uring_prep_uring_cmd")]
fn udp() -> std::net::UdpSocket {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap()
}

#[test]
#[cfg(liburing_has = "io_uring_prep_uring_cmd")]
fn a_driver_command_gets_a_clean_second_half() {
    use system_liburing::op::UringCmd;
    let Some(mut ring) = wide_ring(SetupFlags::SQE128, "SQE128 driver command") else {
        return;
    };
    // SAFETY: slot 0 of the SQE array (128 bytes on this ring), which holds no queued SQE:
    // nothing was pushed yet. The pointer comes from liburing's initialised ring.
    let slot = unsafe { (*ring.as_raw_mut()).sq.sqes.cast::<u8>() };
    // SAFETY: as above; the second half is bytes 64..128 of the slot.
    unsafe { std::ptr::write_bytes(slot.add(64), 0xab, 64) };
    // cmd_op 0 is SOCKET_URING_OP_SIOCINQ.
    let t = ring.push(UringCmd::new(0, udp())).unwrap();
    // SAFETY: as above: the pushed SQE is not submitted yet, nobody writes it.
    let second = unsafe { std::slice::from_raw_parts(slot.add(64), 64).to_vec() };
    assert!(second.iter().all(|&b| b == 0), "{second:x?}");
    let _ = ring.wait_for(t).unwrap();
}

#[test]
#[cfg(liburing_has = "io_uring_prep_uring_cmd")]
fn a_driver_command_leaves_the_next_slot_alone() {
    use system_liburing::op::UringCmd;
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "64-byte SQEs") else {
        return;
    };
    assert_eq!(ring.sizes().0, 4);
    // One SQE through, so that the tail comes round to slot 0 with slots 1-3 queued: the
    // command's slot is then followed by a queued SQE.
    ring.push_with_user_data(Nop::new(), 1).unwrap();
    assert_eq!(ring.submit().unwrap(), 1);
    for ud in 2..5 {
        ring.push_with_user_data(Nop::new(), ud).unwrap();
    }
    let t = ring.push(UringCmd::new(0, udp())).unwrap();
    assert_eq!(ring.submit().unwrap(), 4);
    let _ = ring.wait_for(t).unwrap();
    let mut got: Vec<u64> =
        std::iter::from_fn(|| ring.peek().unwrap().map(|c| c.user_data())).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [1, 2, 3, 4],
        "the queued NOPs reached the kernel as written"
    );
}
