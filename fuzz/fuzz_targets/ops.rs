//! Structured fuzzing of the safe API (issue 12): random sequences of pushes with hostile
//! arguments and random flag bits, submits, reaps, finishes on the wrong ring, dropped
//! tickets and rings, buffer-ring registration games — all through safe calls only. Run under
//! AddressSanitizer by `cargo fuzz` (`.ci/fuzz.sh`): any crash, sanitizer report, panic or
//! hang is a finding. What every run must keep:
//! * no panic and no sanitizer report, whatever the arguments;
//! * every buffer handed back has `len <= capacity` and is fully readable (each byte is
//!   read, so a length past what was written or allocated shows up under ASan);
//! * every bounded wait returns.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::io::Write as _;
use std::net::UdpSocket;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;
use system_liburing::op::{
    AsyncCancel, Madvise, Nop, PollAdd, Read, Readv2, Recv, RecvMulti, Send, SendZc, Timeout,
    Write,
};
use system_liburing::register::BufRing;
use system_liburing::{OpFlags, PushError, Ring, SetupFlags, Ticket};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Which {
    A,
    B,
}

#[derive(Arbitrary, Debug)]
enum Action {
    Build {
        which: Which,
        entries: u8,
        cq: u8,
        setup: u32,
        backpressure: bool,
    },
    Nop {
        which: Which,
        user_data: u64,
        skip: bool,
        flags: u8,
    },
    Read {
        which: Which,
        cap: u16,
        offset: u64,
        fixed: Option<(Which, u8)>,
        flags: u8,
    },
    Write {
        which: Which,
        len: u16,
    },
    Readv2 {
        which: Which,
        caps: [u8; 3],
        rw_flags: i32,
    },
    Recv {
        which: Which,
        cap: u16,
        msg_flags: i32,
    },
    Send {
        which: Which,
        len: u16,
        msg_flags: i32,
    },
    SendZc {
        which: Which,
        len: u16,
        msg_flags: i32,
        zc_flags: u32,
    },
    Madvise {
        which: Which,
        len: u16,
        advice: i32,
    },
    Timeout {
        which: Which,
        micros: u16,
        count: u8,
    },
    Poll {
        which: Which,
        events: u32,
    },
    Cancel {
        which: Which,
        target: u64,
    },
    RegisterBufRing {
        which: Which,
        entries_log: u8,
        len: u16,
        bgid: u8,
    },
    UnregisterBufRing {
        which: Which,
        idx: u8,
    },
    RecvMulti {
        which: Which,
        ring_idx: u8,
        msg_flags: i32,
    },
    RegisterFiles {
        which: Which,
    },
    SendDatagram {
        len: u16,
    },
    Submit {
        which: Which,
    },
    Reap {
        which: Which,
        n: u8,
    },
    WaitBrief {
        which: Which,
    },
    Finish {
        on: Which,
        idx: u8,
    },
    DropTicket {
        idx: u8,
    },
    DropRing {
        which: Which,
    },
}

/// A ticket of any op, with the ring it was pushed on.
enum AnyTicket {
    Nop(Ticket<Nop>),
    Read(Ticket<Read<Arc<OwnedFd>, Vec<u8>>>),
    ReadFixed(Ticket<Read<system_liburing::fd::Fixed, Vec<u8>>>),
    Write(Ticket<Write<Arc<OwnedFd>, Vec<u8>>>),
    Readv2(Ticket<Readv2<Arc<OwnedFd>>>),
    Recv(Ticket<Recv<Arc<UdpSocket>, Vec<u8>>>),
    Send(Ticket<Send<Arc<UdpSocket>, Vec<u8>>>),
    SendZc(Ticket<SendZc<Arc<UdpSocket>, Vec<u8>>>),
    Madvise(Ticket<Madvise<Vec<u8>>>),
    Timeout(Ticket<Timeout>),
    Poll(Ticket<PollAdd<Arc<OwnedFd>>>),
    RecvMulti(Ticket<RecvMulti<Arc<UdpSocket>>>),
}

/// Reads every byte of a buffer handed back: a length past what the kernel wrote or the
/// allocation holds would be caught by ASan here.
fn touch(buf: &[u8]) -> u64 {
    assert!(buf.len() <= isize::MAX as usize);
    buf.iter().map(|&b| u64::from(b)).sum()
}

fn check_vec(v: &Vec<u8>) -> u64 {
    assert!(v.len() <= v.capacity(), "a Vec longer than its capacity");
    touch(v)
}

struct World {
    rings: [Option<Ring>; 2],
    tickets: Vec<(Which, AnyTicket)>,
    buf_rings: Vec<(Which, BufRing)>,
    pipe_r: Arc<OwnedFd>,
    pipe_w: std::fs::File,
    rx: Arc<UdpSocket>,
    tx: UdpSocket,
}

fn idx(w: Which) -> usize {
    match w {
        Which::A => 0,
        Which::B => 1,
    }
}

fn op_flags(bits: u8) -> OpFlags {
    let mut f = OpFlags::empty();
    for (bit, flag) in [
        (1, OpFlags::IO_DRAIN),
        (2, OpFlags::IO_LINK),
        (4, OpFlags::IO_HARDLINK),
        (8, OpFlags::ASYNC),
    ] {
        if bits & bit != 0 {
            f |= flag;
        }
    }
    f
}

/// A refused push must hand the op back, and only for a reason the crate documents.
fn refused<O>(e: PushError<O>) {
    let _ = e.to_string();
    let _op = e.into_inner();
}

impl World {
    fn new() -> Option<World> {
        let mut fds = [0; 2];
        // SAFETY: two valid out slots.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return None;
        }
        use std::os::fd::FromRawFd;
        // SAFETY: fresh fds nobody else owns.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1])) };
        let rx = UdpSocket::bind("127.0.0.1:0").ok()?;
        let tx = UdpSocket::bind("127.0.0.1:0").ok()?;
        tx.connect(rx.local_addr().ok()?).ok()?;
        rx.connect(tx.local_addr().ok()?).ok()?;
        Some(World {
            rings: [Ring::new(8).ok(), Ring::new(8).ok()],
            tickets: Vec::new(),
            buf_rings: Vec::new(),
            pipe_r: Arc::new(r),
            pipe_w: w,
            rx: Arc::new(rx),
            tx,
        })
    }

    fn ring(&mut self, w: Which) -> Option<&mut Ring> {
        self.rings[idx(w)].as_mut()
    }

    fn keep(&mut self, w: Which, t: AnyTicket) {
        self.tickets.push((w, t));
    }

    fn step(&mut self, a: Action) {
        match a {
            Action::Build {
                which,
                entries,
                cq,
                setup,
                backpressure,
            } => {
                let mut b = Ring::builder()
                    .entries(u32::from(entries % 64).max(1))
                    .setup_flags(SetupFlags::from_bits_retain(setup & !(1 << 1)))
                    .backpressure(backpressure);
                if cq > 0 {
                    b = b.cq_entries(u32::from(cq));
                }
                // Refused flags, sizes the kernel rejects: an error, never a panic.
                if let Ok(r) = b.build() {
                    self.rings[idx(which)] = Some(r);
                }
            }
            Action::Nop {
                which,
                user_data,
                skip,
                flags,
            } => {
                let Some(ring) = self.ring(which) else { return };
                let op = Nop::new().flags(op_flags(flags));
                if skip {
                    if let Err(e) = ring.push_with_user_data(op.skip_success(), user_data) {
                        refused(e);
                    }
                } else if user_data & 1 == 0 {
                    if let Err(e) = ring.push_with_user_data(op, user_data) {
                        refused(e);
                    }
                } else {
                    match ring.push(op) {
                        Ok(t) => self.keep(which, AnyTicket::Nop(t)),
                        Err(e) => refused(e),
                    }
                }
            }
            Action::Read {
                which,
                cap,
                offset,
                fixed,
                flags,
            } => {
                let buf = Vec::with_capacity(usize::from(cap));
                let fixed_slot = match fixed {
                    Some((of, index)) => match self.ring(of) {
                        Some(r) => Some(r.fixed_file(u32::from(index))),
                        None => return,
                    },
                    None => None,
                };
                let pipe = self.pipe_r.clone();
                let Some(ring) = self.ring(which) else { return };
                match fixed_slot {
                    Some(slot) => match ring.push(Read::new(slot, buf, offset).flags(op_flags(flags))) {
                        Ok(t) => self.keep(which, AnyTicket::ReadFixed(t)),
                        Err(e) => refused(e),
                    },
                    None => match ring.push(Read::new(pipe, buf, offset).flags(op_flags(flags))) {
                        Ok(t) => self.keep(which, AnyTicket::Read(t)),
                        Err(e) => refused(e),
                    },
                }
            }
            Action::Write { which, len } => {
                let _ = self.pipe_w.write(&vec![0x5a; usize::from(len % 512)]);
                let dev_null: OwnedFd = match std::fs::File::options().write(true).open("/dev/null") {
                    Ok(f) => f.into(),
                    Err(_) => return,
                };
                let Some(ring) = self.ring(which) else { return };
                match ring.push(Write::new(Arc::new(dev_null), vec![1; usize::from(len)], 0)) {
                    Ok(t) => self.keep(which, AnyTicket::Write(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Readv2 {
                which,
                caps,
                rw_flags,
            } => {
                let bufs = caps.iter().map(|&c| Vec::with_capacity(usize::from(c))).collect();
                let pipe = self.pipe_r.clone();
                let Some(ring) = self.ring(which) else { return };
                match ring.push(Readv2::new(pipe, bufs, u64::MAX, rw_flags)) {
                    Ok(t) => self.keep(which, AnyTicket::Readv2(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Recv {
                which,
                cap,
                msg_flags,
            } => {
                let sock = self.rx.clone();
                let Some(ring) = self.ring(which) else { return };
                match ring.push(Recv::new(sock, Vec::with_capacity(usize::from(cap)), msg_flags)) {
                    Ok(t) => self.keep(which, AnyTicket::Recv(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Send {
                which,
                len,
                msg_flags,
            } => {
                let sock = self.rx.clone();
                let Some(ring) = self.ring(which) else { return };
                match ring.push(Send::new(sock, vec![3; usize::from(len % 2048)], msg_flags)) {
                    Ok(t) => self.keep(which, AnyTicket::Send(t)),
                    Err(e) => refused(e),
                }
            }
            Action::SendZc {
                which,
                len,
                msg_flags,
                zc_flags,
            } => {
                let sock = self.rx.clone();
                let Some(ring) = self.ring(which) else { return };
                let op = SendZc::new(sock, vec![4; usize::from(len % 2048)], msg_flags, zc_flags);
                match ring.push(op) {
                    Ok(t) => self.keep(which, AnyTicket::SendZc(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Madvise { which, len, advice } => {
                let Some(ring) = self.ring(which) else { return };
                match ring.push(Madvise::new(vec![9u8; usize::from(len) * 16], advice)) {
                    Ok(t) => self.keep(which, AnyTicket::Madvise(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Timeout {
                which,
                micros,
                count,
            } => {
                let Some(ring) = self.ring(which) else { return };
                let op = Timeout::new(Duration::from_micros(u64::from(micros))).count(u32::from(count));
                match ring.push(op) {
                    Ok(t) => self.keep(which, AnyTicket::Timeout(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Poll { which, events } => {
                let pipe = self.pipe_r.clone();
                let Some(ring) = self.ring(which) else { return };
                match ring.push(PollAdd::new(pipe, events)) {
                    Ok(t) => self.keep(which, AnyTicket::Poll(t)),
                    Err(e) => refused(e),
                }
            }
            Action::Cancel { which, target } => {
                let Some(ring) = self.ring(which) else { return };
                if let Err(e) = ring.push_with_user_data(AsyncCancel::user_data(target), 1) {
                    refused(e);
                }
            }
            Action::RegisterBufRing {
                which,
                entries_log,
                len,
                bgid,
            } => {
                let Some(ring) = self.ring(which) else { return };
                let entries = 1u16 << (entries_log % 6);
                if let Ok(b) = ring.register_buf_ring(entries, u32::from(len), u16::from(bgid % 4)) {
                    self.buf_rings.push((which, b));
                }
            }
            Action::UnregisterBufRing { which, idx: i } => {
                if self.buf_rings.is_empty() {
                    return;
                }
                let b = self.buf_rings[usize::from(i) % self.buf_rings.len()].1.clone();
                if let Some(ring) = self.ring(which) {
                    // Refused while armed or for another ring's: an error, never a swap.
                    let _ = ring.unregister_buf_ring(&b);
                }
            }
            Action::RecvMulti {
                which,
                ring_idx,
                msg_flags,
            } => {
                if self.buf_rings.is_empty() {
                    return;
                }
                let b = self.buf_rings[usize::from(ring_idx) % self.buf_rings.len()].1.clone();
                let sock = self.rx.clone();
                let Some(ring) = self.ring(which) else { return };
                match ring.push(RecvMulti::new(sock, &b, msg_flags)) {
                    Ok(t) => self.keep(which, AnyTicket::RecvMulti(t)),
                    Err(e) => refused(e),
                }
            }
            Action::RegisterFiles { which } => {
                let pipe = self.pipe_r.clone();
                if let Some(ring) = self.ring(which) {
                    let _ = ring.register_files(&[Some(pipe.as_ref()), None]);
                }
            }
            Action::SendDatagram { len } => {
                let _ = self.tx.send(&vec![0xa5; usize::from(len % 4096)]);
            }
            Action::Submit { which } => {
                if let Some(ring) = self.ring(which) {
                    let _ = ring.submit();
                }
            }
            Action::Reap { which, n } => {
                if let Some(ring) = self.ring(which) {
                    for _ in 0..n {
                        match ring.peek() {
                            Ok(Some(_)) => {}
                            _ => break,
                        }
                    }
                }
            }
            Action::WaitBrief { which } => {
                if let Some(ring) = self.ring(which) {
                    let _ = ring.submit();
                    let _ = ring.wait_timeout(Duration::from_millis(1));
                }
            }
            Action::Finish { on, idx: i } => {
                if self.tickets.is_empty() {
                    return;
                }
                let (w, t) = self.tickets.swap_remove(usize::from(i) % self.tickets.len());
                let Some(ring) = self.rings[idx(on)].as_mut() else {
                    self.tickets.push((w, t));
                    return;
                };
                if let Some(back) = finish(ring, t) {
                    self.tickets.push((w, back));
                }
            }
            Action::DropTicket { idx: i } => {
                if !self.tickets.is_empty() {
                    let n = self.tickets.len();
                    drop(self.tickets.swap_remove(usize::from(i) % n));
                }
            }
            Action::DropRing { which } => {
                self.rings[idx(which)] = None;
            }
        }
    }
}

/// Finishes a ticket on `ring` (maybe not its own): a finished op's buffers are read whole;
/// an unfinished or foreign ticket comes back.
fn finish(ring: &mut Ring, t: AnyTicket) -> Option<AnyTicket> {
    macro_rules! fin {
        ($t:expr, $variant:ident, |$out:pat_param| $body:expr) => {
            match ring.finish($t) {
                Ok($out) => {
                    $body;
                    None
                }
                Err(e) => Some(AnyTicket::$variant(e.into_ticket())),
            }
        };
    }
    match t {
        AnyTicket::Nop(t) => fin!(t, Nop, |_r| ()),
        AnyTicket::Read(t) => fin!(t, Read, |(_, _, b)| check_vec(&b)),
        AnyTicket::ReadFixed(t) => fin!(t, ReadFixed, |(_, _, b)| check_vec(&b)),
        AnyTicket::Write(t) => fin!(t, Write, |(_, _, b)| check_vec(&b)),
        AnyTicket::Readv2(t) => fin!(t, Readv2, |(_, _, bs)| bs.iter().map(check_vec).sum::<u64>()),
        AnyTicket::Recv(t) => fin!(t, Recv, |(_, _, b)| check_vec(&b)),
        AnyTicket::Send(t) => fin!(t, Send, |(_, _, b)| check_vec(&b)),
        AnyTicket::SendZc(t) => fin!(t, SendZc, |(_, _, b)| check_vec(&b)),
        AnyTicket::Madvise(t) => fin!(t, Madvise, |(_, b)| check_vec(&b)),
        AnyTicket::Timeout(t) => fin!(t, Timeout, |_r| ()),
        AnyTicket::Poll(t) => fin!(t, Poll, |_r| ()),
        AnyTicket::RecvMulti(t) => fin!(t, RecvMulti, |(items, _)| items
            .into_iter()
            .flatten()
            .map(|g| touch(&g))
            .sum::<u64>()),
    }
}

fuzz_target!(|actions: Vec<Action>| {
    let Some(mut world) = World::new() else {
        return;
    };
    for a in actions.into_iter().take(64) {
        world.step(a);
    }
    // Tickets first (released at their completions), then the rings (cancel, bounded reap).
    world.tickets.clear();
    world.rings = [None, None];
});
