//! Model-based test: random sequences of ring actions, checked against a simple model.
//!
//! Actions: push an unmanaged NOP with a user_data; push a managed NOP or a managed timeout;
//! submit; peek; wait_timeout (small); drain; cancel a managed op (AsyncCancel with a
//! user_data of its own); try to finish an unreaped ticket; drop the ring (and make a new
//! one); finish or wait for a ticket of a dropped ring on the new one. The model: the NOP
//! user_datas pushed, in order (a `VecDeque`: NOP completions come back in submission order),
//! the other unmanaged user_datas expected exactly once (cancels), the set of live managed
//! tickets, and the tickets of dropped rings. Checked on every completion: exactly once; NOPs
//! in order; a reaped managed CQE's ticket finishes, exactly once; an unreaped one does not.
//! A dropped ring's ticket is refused as foreign by the new ring and changes nothing there,
//! although its token may equal one of the new ring's (each ring numbers its own slots).
//! At the end everything is reaped (no completion lost) and nothing more comes.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_timeout"
))]

mod common;

use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};
use system_liburing::op::{AsyncCancel, Nop, Timeout};
use system_liburing::{Cqe, PushError, Ring, Ticket};

#[derive(Debug, Clone)]
enum Action {
    PushNop,
    PushManagedNop,
    PushManagedTimeout(u8),
    Submit,
    Peek,
    WaitTimeout(u8),
    Drain(u8),
    Cancel(u8),
    TryFinishUnreaped(u8),
    DropRing,
    FinishOrphan(u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        8 => Just(Action::PushNop),
        3 => Just(Action::PushManagedNop),
        2 => (0u8..4).prop_map(Action::PushManagedTimeout),
        4 => Just(Action::Submit),
        4 => Just(Action::Peek),
        1 => (0u8..3).prop_map(Action::WaitTimeout),
        2 => (0u8..16).prop_map(Action::Drain),
        1 => any::<u8>().prop_map(Action::Cancel),
        1 => any::<u8>().prop_map(Action::TryFinishUnreaped),
        1 => Just(Action::DropRing),
        1 => any::<u8>().prop_map(Action::FinishOrphan),
    ]
}

enum Managed {
    Nop(Ticket<Nop>),
    Timeout(Ticket<Timeout>),
}

impl Managed {
    fn token(&self) -> u64 {
        match self {
            Managed::Nop(t) => t.user_data(),
            Managed::Timeout(t) => t.user_data(),
        }
    }
}

struct Model {
    ring: Ring,
    sq: u32,
    cq: u32,
    /// Unmanaged NOPs pushed on this ring, in push order, not yet seen.
    nops: VecDeque<u64>,
    /// Other unmanaged user_datas (cancels) pushed, not yet seen.
    others: BTreeSet<u64>,
    /// Managed ops pushed on this ring, not yet reaped.
    live: HashMap<u64, Managed>,
    /// Every managed token finished so far on this ring: never again. (Tokens repeat across
    /// rings: each ring has its own table.)
    finished: BTreeSet<u64>,
    /// Tickets of rings dropped since: foreign to the current ring.
    orphans: Vec<Managed>,
    next_id: u64,
    seen: u64,
}

impl Model {
    fn new(sq: u32, cq: u32) -> Option<Model> {
        let ring = common::ring_or_skip(Ring::builder().entries(sq).cq_entries(cq), "model")?;
        Some(Model {
            ring,
            sq,
            cq,
            nops: VecDeque::new(),
            others: BTreeSet::new(),
            live: HashMap::new(),
            finished: BTreeSet::new(),
            orphans: Vec::new(),
            next_id: 1,
            seen: 0,
        })
    }

    fn on_cqe(&mut self, c: Cqe) {
        self.seen += 1;
        let ud = c.user_data();
        if c.is_managed() {
            assert!(
                !self.finished.contains(&ud),
                "managed CQE {ud:#x} seen twice"
            );
            let op = self
                .live
                .remove(&ud)
                .unwrap_or_else(|| panic!("managed CQE {ud:#x} for no live ticket"));
            match op {
                Managed::Nop(t) => {
                    let res = self.ring.finish(t).expect("reaped: finish succeeds");
                    assert_eq!(res.unwrap(), 0);
                }
                Managed::Timeout(t) => {
                    let r = self.ring.finish(t).expect("reaped: finish succeeds");
                    if let Err(e) = r {
                        assert_eq!(e.raw_os_error(), Some(libc::ECANCELED), "{e}");
                    }
                }
            }
            self.finished.insert(ud);
        } else if self.nops.front() == Some(&ud) {
            self.nops.pop_front();
        } else if self.others.remove(&ud) {
            // a cancel's own completion: any result (0, ENOENT, EALREADY)
        } else {
            panic!(
                "unmanaged CQE {ud} not expected (duplicated, or NOP out of order: next NOP is {:?})",
                self.nops.front()
            );
        }
    }

    fn push_unmanaged<O: system_liburing::Unmanaged>(&mut self, op: O) -> Option<u64> {
        let id = self.next_id;
        match self.ring.push_with_user_data(op, id) {
            Ok(()) => {
                self.next_id += 1;
                Some(id)
            }
            Err(PushError::SqFull(_)) => None,
            Err(e) => panic!("push: {e}"),
        }
    }

    fn apply(&mut self, a: &Action) {
        match *a {
            Action::PushNop => {
                if let Some(id) = self.push_unmanaged(Nop::new()) {
                    self.nops.push_back(id);
                }
            }
            Action::PushManagedNop => match self.ring.push(Nop::new()) {
                Ok(t) => {
                    assert!(self.live.insert(t.user_data(), Managed::Nop(t)).is_none());
                }
                Err(PushError::SqFull(_)) => {}
                Err(e) => panic!("push: {e}"),
            },
            Action::PushManagedTimeout(ms) => {
                let ms = [0, 1, 5, 2000][usize::from(ms)];
                match self.ring.push(Timeout::relative(Duration::from_millis(ms))) {
                    Ok(t) => {
                        let token = t.user_data();
                        assert!(self.live.insert(token, Managed::Timeout(t)).is_none());
                    }
                    Err(PushError::SqFull(_)) => {}
                    Err(e) => panic!("push: {e}"),
                }
            }
            Action::Submit => {
                self.ring.submit().unwrap();
            }
            Action::Peek => {
                if let Some(c) = self.ring.peek().unwrap() {
                    self.on_cqe(c);
                }
            }
            Action::WaitTimeout(ms) => {
                if let Some(c) = self
                    .ring
                    .wait_timeout(Duration::from_millis(u64::from(ms)))
                    .unwrap()
                {
                    self.on_cqe(c);
                }
            }
            Action::Drain(n) => {
                let mut out = vec![Cqe::default(); usize::from(n)];
                let got = self.ring.drain(&mut out).unwrap();
                for c in &out[..got] {
                    self.on_cqe(*c);
                }
            }
            Action::Cancel(pick) => {
                let mut tokens: Vec<u64> = self.live.keys().copied().collect();
                tokens.sort_unstable();
                // Sometimes a finished (stale) token: the cancel must find nothing.
                let target = if tokens.is_empty() || pick % 5 == 0 {
                    self.finished.iter().next().copied().unwrap_or(1 << 62)
                } else {
                    tokens[usize::from(pick) % tokens.len()]
                };
                if let Some(id) = self.push_unmanaged(AsyncCancel::user_data(target)) {
                    self.others.insert(id);
                }
            }
            Action::TryFinishUnreaped(pick) => {
                let mut tokens: Vec<u64> = self.live.keys().copied().collect();
                if tokens.is_empty() {
                    return;
                }
                tokens.sort_unstable();
                let token = tokens[usize::from(pick) % tokens.len()];
                let op = self.live.remove(&token).unwrap();
                // Not reaped (the model has not seen its CQE): the ticket comes back.
                fn pending<T>(e: system_liburing::NotCompleted<T>) -> T {
                    assert!(!e.is_foreign(), "the ticket is this ring's");
                    e.into_ticket()
                }
                let back = match op {
                    Managed::Nop(t) => Managed::Nop(pending(self.ring.finish(t).unwrap_err())),
                    Managed::Timeout(t) => {
                        Managed::Timeout(pending(self.ring.finish(t).unwrap_err()))
                    }
                };
                assert_eq!(back.token(), token);
                self.live.insert(token, back);
            }
            Action::DropRing => {
                let (sq, cq) = (self.sq, self.cq);
                let fresh = Ring::builder().entries(sq).cq_entries(cq).build().unwrap();
                let old = std::mem::replace(&mut self.ring, fresh);
                let t0 = Instant::now();
                drop(old); // cancels, reaps (≤ 2 s), leaks what the kernel keeps
                assert!(t0.elapsed() < Duration::from_secs(3));
                // The old ring's completions are gone with it; so are its tickets.
                self.nops.clear();
                self.others.clear();
                self.finished.clear();
                self.orphans.extend(self.live.drain().map(|(_, m)| m));
                self.orphans.truncate(64);
            }
            Action::FinishOrphan(pick) => {
                if self.orphans.is_empty() {
                    return;
                }
                let op = self
                    .orphans
                    .swap_remove(usize::from(pick) % self.orphans.len());
                let in_flight = self.ring.in_flight();
                fn foreign<T>(e: system_liburing::NotCompleted<T>) -> T {
                    assert!(e.is_foreign(), "another ring's ticket is foreign: {e}");
                    e.into_ticket()
                }
                if pick % 2 == 0 {
                    // finish: refused, the ticket comes back.
                    let back = match op {
                        Managed::Nop(t) => Managed::Nop(foreign(self.ring.finish(t).unwrap_err())),
                        Managed::Timeout(t) => {
                            Managed::Timeout(foreign(self.ring.finish(t).unwrap_err()))
                        }
                    };
                    self.orphans.push(back);
                } else {
                    // wait_for: an error at once (it would never complete here).
                    let e = match op {
                        Managed::Nop(t) => self.ring.wait_for(t).map(drop).unwrap_err(),
                        Managed::Timeout(t) => self.ring.wait_for(t).map(drop).unwrap_err(),
                    };
                    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
                }
                assert_eq!(self.ring.in_flight(), in_flight, "nothing changed here");
            }
        }
    }

    /// Submits and reaps until the model expects nothing; then nothing more may come.
    fn finish_all(&mut self) {
        self.ring.submit().unwrap();
        // Long timeouts would hold the test: cancel them.
        let tokens: Vec<u64> = self.live.keys().copied().collect();
        for t in tokens {
            let id = loop {
                if let Some(id) = self.push_unmanaged(AsyncCancel::user_data(t)) {
                    break id;
                }
                self.ring.submit().unwrap();
            };
            self.others.insert(id);
        }
        self.ring.submit().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(self.nops.is_empty() && self.others.is_empty() && self.live.is_empty()) {
            assert!(
                Instant::now() < deadline,
                "lost: nops {:?}, others {:?}, managed {:?}",
                self.nops,
                self.others,
                self.live.keys().collect::<Vec<_>>()
            );
            if let Some(c) = self.ring.wait_timeout(Duration::from_millis(50)).unwrap() {
                self.on_cqe(c);
            }
        }
        assert!(self.ring.peek().unwrap().is_none(), "an extra completion");
        assert_eq!(self.ring.in_flight(), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn ring_matches_model(
        sq_log in 0u32..4,
        cq_log in 1u32..5,
        actions in proptest::collection::vec(action(), 1..300),
    ) {
        let sq = 1 << sq_log;
        let cq = (1 << cq_log).max(sq);
        let Some(mut m) = Model::new(sq, cq) else { return Ok(()); };
        for a in &actions {
            m.apply(a);
        }
        m.finish_all();
    }
}

/// A fixed sequence that overflows the CQ with NOPs and managed ops interleaved.
#[test]
fn model_overflow_sequence() {
    let Some(mut m) = Model::new(2, 2) else {
        return;
    };
    let mut seq = Vec::new();
    for i in 0..200 {
        seq.push(match i % 5 {
            0 | 1 => Action::PushNop,
            2 => Action::PushManagedNop,
            3 => Action::Submit,
            _ => Action::PushManagedTimeout(0),
        });
    }
    for a in &seq {
        m.apply(a);
    }
    m.apply(&Action::Drain(3));
    m.apply(&Action::Peek);
    m.finish_all();
    assert!(m.seen >= 100, "saw {}", m.seen);
}
