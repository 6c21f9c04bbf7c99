//! The table of in-flight owned operations. A managed op's user_data is a token:
//! bit 63 set (the crate's half of the space), a 31-bit generation, a 32-bit slot index.
//! The generation makes a late CQE for a finished slot unable to reach the slot's next
//! owner (the bug class of tokio#8112). Only the reap path moves a slot to `Done`, and only
//! a `Done` slot gives its resources back, so no safe call can free memory the kernel may
//! still write.

use crate::cq::Cqe;
use std::any::Any;

/// Bit 63 of user_data marks the crate's managed operations.
pub(crate) const MANAGED: u64 = 1 << 63;
/// Slot index reserved for the crate's own internal requests (drop-time cancels).
pub(crate) const INTERNAL_SLOT: u32 = u32::MAX;
/// The user_data of internal requests; never a live slot's token.
pub(crate) const INTERNAL: u64 = MANAGED | INTERNAL_SLOT as u64;

pub(crate) type Resources = Box<dyn Recorded>;

/// What the table needs of an op while it is in flight: to show it each CQE, and to hand it
/// back typed.
pub(crate) trait Recorded: Send {
    fn record(&mut self, cqe: &Cqe);
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<O: crate::op::Op> Recorded for O {
    #[inline]
    fn record(&mut self, cqe: &Cqe) {
        crate::op::private::Sealed::record(self, cqe)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

enum State {
    Free,
    InFlight(Resources),
    Done(Resources, Cqe),
}

struct Slot {
    generation: u32,
    state: State,
}

/// The table. Pure Rust, no kernel: exercised directly by unit tests and Miri.
#[derive(Default)]
pub(crate) struct InFlight {
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Slots whose CQE has not been reaped.
    pending: usize,
}

#[inline]
fn split(token: u64) -> Option<(u32, u32)> {
    if token & MANAGED == 0 || token == INTERNAL {
        return None;
    }
    Some((((token >> 32) as u32) & 0x7fff_ffff, token as u32))
}

impl InFlight {
    /// Stores an op's resources; returns its token.
    pub(crate) fn insert(&mut self, res: Resources) -> u64 {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    state: State::Free,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.state = State::InFlight(res);
        self.pending += 1;
        MANAGED | (u64::from(slot.generation & 0x7fff_ffff) << 32) | u64::from(index)
    }

    /// Records a reaped CQE. Returns false when no live slot owns it (a raw op that set bit
    /// 63, or a stale token): the CQE is then the caller's to pass on untouched.
    /// A CQE with `IORING_CQE_F_MORE` leaves the slot in flight.
    pub(crate) fn complete(&mut self, cqe: &Cqe) -> bool {
        let Some((generation, index)) = split(cqe.user_data()) else {
            return false;
        };
        let Some(slot) = self.slots.get_mut(index as usize) else {
            return false;
        };
        let State::InFlight(op) = &mut slot.state else {
            return false;
        };
        if slot.generation & 0x7fff_ffff != generation {
            return false;
        }
        op.record(cqe);
        if cqe.flags().contains(crate::CqeFlags::MORE) {
            return true;
        }
        let State::InFlight(r) = std::mem::replace(&mut slot.state, State::Free) else {
            unreachable!()
        };
        slot.state = State::Done(r, *cqe);
        self.pending -= 1;
        true
    }

    /// Takes back a finished op's resources and its final CQE; frees the slot.
    pub(crate) fn take_done(&mut self, token: u64) -> Option<(Resources, Cqe)> {
        let (generation, index) = split(token)?;
        let slot = self.slots.get_mut(index as usize)?;
        if slot.generation & 0x7fff_ffff != generation || !matches!(slot.state, State::Done(..)) {
            return None;
        }
        let State::Done(r, cqe) = std::mem::replace(&mut slot.state, State::Free) else {
            unreachable!()
        };
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index);
        Some((r, cqe))
    }

    /// Runs `f` on a live op (in flight or done, not yet taken back) of type `O`; also says
    /// whether its last CQE has been reaped. `None` for a stale or foreign token.
    pub(crate) fn with_op<O: 'static, R>(
        &mut self,
        token: u64,
        f: impl FnOnce(&mut O) -> R,
    ) -> Option<(R, bool)> {
        let (generation, index) = split(token)?;
        let slot = self.slots.get_mut(index as usize)?;
        if slot.generation & 0x7fff_ffff != generation {
            return None;
        }
        let (op, done) = match &mut slot.state {
            State::InFlight(op) => (op, false),
            State::Done(op, _) => (op, true),
            State::Free => return None,
        };
        let op = op.as_any_mut().downcast_mut::<O>()?;
        Some((f(op), done))
    }

    /// Whether a token's CQE has been reaped.
    pub(crate) fn is_done(&self, token: u64) -> bool {
        split(token)
            .and_then(|(g, i)| self.slots.get(i as usize).map(|s| (g, s)))
            .is_some_and(|(g, s)| {
                s.generation & 0x7fff_ffff == g && matches!(s.state, State::Done(..))
            })
    }

    /// Operations whose CQE has not been reaped.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// Tokens of every op still in flight.
    pub(crate) fn pending_tokens(&self) -> Vec<u64> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.state, State::InFlight(_)))
            .map(|(i, s)| MANAGED | (u64::from(s.generation & 0x7fff_ffff) << 32) | i as u64)
            .collect()
    }

    /// Gives up on every op still in flight without freeing its memory: the kernel may still
    /// write it, so leaking is the only sound choice. Returns how many were leaked.
    pub(crate) fn leak_pending(&mut self) -> usize {
        let mut n = 0;
        for slot in &mut self.slots {
            if let State::InFlight(_) = slot.state {
                let State::InFlight(r) = std::mem::replace(&mut slot.state, State::Free) else {
                    unreachable!()
                };
                keep_forever(r);
                n += 1;
            }
        }
        self.pending = 0;
        n
    }
}

/// Memory the kernel may still write, held for the rest of the process: never freed, and
/// still reachable (from this static), so a leak checker does not report the intended
/// keep-alive as a leak.
fn keep_forever(r: Resources) {
    static KEPT: std::sync::Mutex<Vec<Resources>> = std::sync::Mutex::new(Vec::new());
    KEPT.lock().unwrap_or_else(|p| p.into_inner()).push(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cqe(token: u64, flags: u32) -> Cqe {
        Cqe::new(token, 0, flags)
    }

    #[test]
    #[cfg(liburing_has = "io_uring_prep_write")]
    fn life_cycle() {
        let mut t = InFlight::default();
        let a = t.insert(Box::new(crate::op::Write::new(
            crate::fd::Fixed::new(0, 1),
            vec![1u8; 8],
            0,
        )));
        assert!(a & MANAGED != 0);
        assert_eq!(t.pending(), 1);
        assert!(t.take_done(a).is_none(), "not reaped yet");
        assert!(t.complete(&cqe(a, 0)));
        assert!(
            !t.complete(&cqe(a, 0)),
            "a second CQE for the same token is not its"
        );
        assert_eq!(t.pending(), 0);
        let (r, c) = t.take_done(a).unwrap();
        assert_eq!(c.user_data(), a);
        let w = r
            .into_any()
            .downcast::<crate::op::Write<crate::fd::Fixed, Vec<u8>>>()
            .unwrap();
        assert_eq!(crate::op::Op::complete(*w, c).2, vec![1u8; 8]);
        assert!(t.take_done(a).is_none(), "exactly once");
    }

    #[test]
    fn stale_tokens_never_reach_the_next_owner() {
        let mut t = InFlight::default();
        let a = t.insert(Box::new(crate::op::Nop::new()));
        assert!(t.complete(&cqe(a, 0)));
        t.take_done(a).unwrap();
        let b = t.insert(Box::new(crate::op::Nop::new()));
        assert_eq!(a as u32, b as u32, "slot reused");
        assert_ne!(a, b, "generation differs");
        assert!(!t.complete(&cqe(a, 0)), "late CQE for the old owner");
        assert!(!t.is_done(b));
        assert!(t.complete(&cqe(b, 0)));
    }

    #[test]
    fn multishot_stays_in_flight_until_last() {
        let mut t = InFlight::default();
        let a = t.insert(Box::new(crate::op::Nop::new()));
        assert!(t.complete(&cqe(a, crate::CqeFlags::MORE.bits())));
        assert!(!t.is_done(a));
        assert!(t.complete(&cqe(a, 0)));
        assert!(t.is_done(a));
    }

    #[test]
    fn foreign_and_internal_tokens_are_not_ours() {
        let mut t = InFlight::default();
        assert!(!t.complete(&cqe(42, 0)));
        assert!(!t.complete(&cqe(INTERNAL, 0)));
        assert!(!t.complete(&cqe(MANAGED | 7, 0)));
    }

    #[test]
    fn leak_pending_forgets_only_in_flight() {
        let mut t = InFlight::default();
        let a = t.insert(Box::new(crate::op::Nop::new()));
        let b = t.insert(Box::new(crate::op::Nop::new()));
        t.complete(&cqe(b, 0));
        assert_eq!(t.pending_tokens(), vec![a]);
        assert_eq!(t.leak_pending(), 1);
        assert!(t.take_done(b).is_some());
    }
}

#[cfg(test)]
mod sizes {
    /// The README states the heap cost of an in-flight owned op; keep it honest.
    #[test]
    #[cfg(liburing_has = "io_uring_prep_read")]
    fn heap_per_op() {
        let read = std::mem::size_of::<crate::op::Read<std::fs::File, Vec<u8>>>();
        let slot = std::mem::size_of::<super::Slot>();
        eprintln!("Read<File, Vec<u8>> box: {read} bytes, table slot: {slot} bytes");
        assert_eq!(read, 48);
        assert_eq!(slot, 48);
    }
}
