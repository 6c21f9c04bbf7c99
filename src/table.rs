//! The table of managed ops in flight: where an op lives from push to its last CQE.
//!
//! A managed op's user_data is a token: bit 63 set (the crate's half of the space), a
//! 31-bit generation, a 32-bit slot index. A slot's key is its op's token while it holds
//! one, so finding a token's live slot is one bounds check and one compare. The generation keeps a late CQE for a finished
//! slot from reaching the slot's next owner (the bug class of tokio#8112), and a type check
//! keeps a token that survived 2^31 reuses of its slot from reading another type. Only the
//! reap path moves a slot to `Done`, and only a `Done` slot gives its op back, so no safe
//! call can free memory the kernel may still write.
//!
//! Storage is a slab of fixed chunks that never move (so pointers into an op stay valid
//! while it is in flight): an op of up to [`INLINE`] bytes lives in its slot, a larger one
//! in a box the slot points to. In steady state a push allocates nothing.

use crate::entry::{Cqe, MANAGED};
use crate::op::private::Sealed;
use std::any::TypeId;
use std::marker::PhantomData;
use std::mem::{align_of, size_of, MaybeUninit};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Slots per chunk.
const CHUNK: usize = 64;
/// Bytes of inline storage per slot: `Read<File, Vec<u8>>`, `Write`, `Readv`,
/// `ReadFixed<Fixed>`... fit. What a 128-byte slot leaves after its 48 bytes of state.
pub(crate) const INLINE: usize = 80;
/// No slot (end of the free list).
const NONE: u32 = u32::MAX;
/// Slot index reserved for the crate's own internal requests (drop-time cancels).
pub(crate) const INTERNAL_SLOT: u32 = u32::MAX;
/// The user_data of internal requests; never a live slot's token.
pub(crate) const INTERNAL: u64 = MANAGED | INTERNAL_SLOT as u64;

type Store = MaybeUninit<[u64; INLINE / 8]>;

/// What the table needs of a stored op without knowing its type.
struct VTable {
    type_id: fn() -> TypeId,
    /// `Sealed::record`, for ops that keep something of their CQEs.
    record: Option<unsafe fn(*mut Store, &Cqe)>,
    /// Drops the op (inline or boxed) and leaves the store uninitialised; `None` for an
    /// inline op without drop glue (nothing to run).
    drop: Option<unsafe fn(*mut Store)>,
    /// Forgets the op without dropping it (leaked: the kernel may still write it).
    forget: unsafe fn(*mut Store),
}

/// Whether an `O` is stored in the slot itself.
const fn inline<O>() -> bool {
    size_of::<O>() <= size_of::<Store>() && align_of::<O>() <= align_of::<Store>()
}

/// The op in a store holding an `O`.
///
/// # Safety
/// `store` must hold an `O`, as written by [`Table::insert`].
unsafe fn op_ptr<O>(store: *mut Store) -> *mut O {
    if inline::<O>() {
        store.cast::<O>()
    } else {
        // SAFETY: a boxed O's store holds the box's pointer (the caller's promise).
        unsafe { store.cast::<*mut O>().read() }
    }
}

/// # Safety
/// `store` must hold an `O`.
unsafe fn record<O: Sealed>(store: *mut Store, cqe: &Cqe) {
    // SAFETY: the store holds an O (caller); the table holds `&mut` of the slot.
    unsafe { (*op_ptr::<O>(store)).record(cqe) }
}

/// # Safety
/// `store` must hold an `O`; it is uninitialised afterwards.
unsafe fn drop_op<O>(store: *mut Store) {
    // SAFETY: the store holds an O (caller), dropped exactly once here.
    unsafe {
        if inline::<O>() {
            std::ptr::drop_in_place(store.cast::<O>());
        } else {
            drop(Box::from_raw(store.cast::<*mut O>().read()));
        }
    }
}

/// # Safety
/// `store` must hold an `O`; it counts as uninitialised afterwards.
unsafe fn forget_op<O>(store: *mut Store) {
    if !inline::<O>() {
        // SAFETY: a boxed O's store holds the box's pointer; the box is kept, never freed.
        keep_forever(unsafe { store.cast::<*mut O>().read() }.cast());
    }
    // An inline O is simply never dropped: the chunk holding it is kept too (`leak_pending`).
}

/// A finished op taken out of its slot, to be dropped once the table is let go of
/// ([`Table::take_released`]): its drop is the user's code (a file type's, a buffer's),
/// which may use the same ring again — push on a split ring's submitter, reap on its
/// completer — and so take the table's lock. Run under that lock it would deadlock.
pub(crate) struct Released {
    store: Store,
    drop: unsafe fn(*mut Store),
}

impl Drop for Released {
    fn drop(&mut self) {
        // SAFETY: `store` holds the op `drop` was made for (moved out of its slot whole, by
        // `Table::retire`), dropped exactly once, here.
        unsafe { (self.drop)(&raw mut self.store) }
    }
}

/// What [`Table::take_released`] hands over: dropping it drops the ops.
pub(crate) enum ReleasedOps {
    One(#[allow(dead_code)] Released),
    Many(#[allow(dead_code)] Vec<Released>),
}

#[cfg(test)]
impl ReleasedOps {
    fn len(&self) -> usize {
        match self {
            ReleasedOps::One(_) => 1,
            ReleasedOps::Many(v) => v.len(),
        }
    }
}

/// Memory the kernel may still write, held for the rest of the process: never freed, and
/// still reachable (from this static), so a leak checker does not report the intended
/// keep-alive as a leak.
fn keep_forever(p: *mut u8) {
    KEPT.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(p as usize);
}

/// The addresses [`keep_forever`] holds.
static KEPT: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Whether a slot whose vtable is `vt` holds an `O`. The address compare is the fast path:
/// two vtables at one address have the same contents, `type_id` included, so the same type
/// (the same constant may also sit at two addresses, hence the `TypeId` compare after it).
#[inline(always)]
fn holds<O: Sealed + Send + 'static>(vt: &'static VTable) -> bool {
    std::ptr::eq(vt, const { &VTableOf::<O>::TABLE }) || (vt.type_id)() == TypeId::of::<O>()
}

struct VTableOf<O>(PhantomData<O>);

impl<O: Sealed + Send + 'static> VTableOf<O> {
    const TABLE: VTable = VTable {
        type_id: TypeId::of::<O>,
        record: if O::RECORDS { Some(record::<O>) } else { None },
        drop: if inline::<O>() && !std::mem::needs_drop::<O>() {
            None
        } else {
            Some(drop_op::<O>)
        },
        forget: forget_op::<O>,
    };
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Free,
    InFlight,
    Done,
}

/// 128 bytes (the alignment rounds it up): a slot's offset in its chunk is a shift.
#[repr(C, align(64))]
struct Slot {
    /// While the slot holds an op (InFlight or Done): the op's token. While free: the next
    /// token without bit 63 (generation and index), which no token equals. So one compare
    /// with a token checks the managed bit, the generation and that the slot is occupied.
    key: u64,
    /// The user's tag (C's user_data), when `tagged`.
    tag: u64,
    /// The last CQE, once `Done`.
    cqe: Cqe,
    /// Some while the slot holds an op (InFlight or Done): how to handle it.
    vt: Option<&'static VTable>,
    /// Next free slot while `Free`.
    next_free: u32,
    state: State,
    /// Pushed with a tag (`push_tagged`).
    tagged: bool,
    /// The ticket was dropped: free the op at its last CQE.
    orphan: bool,
    store: Store,
}

impl Slot {
    const EMPTY: Slot = Slot {
        key: 0,
        tag: 0,
        cqe: Cqe::new(0, 0, 0),
        vt: None,
        next_free: NONE,
        state: State::Free,
        tagged: false,
        orphan: false,
        store: MaybeUninit::uninit(),
    };

    /// The user's tag, if the op was pushed with one.
    #[inline(always)]
    fn tag(&self) -> Option<u64> {
        self.tagged.then_some(self.tag)
    }
}

const _: () = assert!(size_of::<Slot>() == 128);

/// What a ring shares with its tickets: its identity, and the tokens of tickets dropped
/// unfinished, which the ring releases at its next reap (or push).
pub(crate) struct Home {
    id: u64,
    orphans: Mutex<Vec<u64>>,
    any: AtomicBool,
}

impl Home {
    pub(crate) fn new(id: u64) -> Arc<Home> {
        Arc::new(Home {
            id,
            orphans: Mutex::new(Vec::new()),
            any: AtomicBool::new(false),
        })
    }

    /// Whether tickets were dropped since the table last took their tokens (a hint: a
    /// relaxed load, as in `release_orphans`).
    #[inline(always)]
    pub(crate) fn has_orphans(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    /// Hands the tokens of dropped tickets to the table (a relaxed load when there are none).
    /// Dropping a finished op runs the user's drop code (a file type's), which may panic:
    /// callers on the reap path call this (through `cq::settle_orphans`) before a CQE
    /// leaves the ring, never while one is half-delivered.
    #[inline(always)]
    pub(crate) fn release_orphans(&self, table: &mut Table) {
        if self.any.load(Ordering::Relaxed) {
            self.release_orphans_slow(table);
        }
    }

    #[cold]
    fn release_orphans_slow(&self, table: &mut Table) {
        // Cleared before taking the list: a ticket dropped meanwhile sets it again.
        self.any.store(false, Ordering::Relaxed);
        let tokens = std::mem::take(&mut *self.orphans.lock().unwrap_or_else(|p| p.into_inner()));
        for token in tokens {
            table.orphan(token);
        }
    }
}

/// A managed operation in flight, pushed with [`Ring::push`](crate::Ring::push). Give it to
/// [`Ring::finish`](crate::Ring::finish) once its CQE (whose user_data is
/// [`Ticket::user_data`]) has been reaped, or to [`Ring::wait_for`](crate::Ring::wait_for).
/// A ticket knows its ring: given to another ring it is refused
/// ([`NotCompleted::is_foreign`](crate::NotCompleted::is_foreign)) and nothing changes
/// there. Dropping a ticket gives up the op: its memory (buffers, files) is released when its
/// last CQE is reaped — or, if that happened already, at the ring's next managed push or
/// reap — and never before.
#[must_use = "the ticket is how the buffers come back (dropping it releases them at completion)"]
pub struct Ticket<O> {
    token: u64,
    /// `None` once finished (the drop then has nothing to report).
    home: Option<Arc<Home>>,
    _op: PhantomData<fn() -> O>,
}

impl<O> Ticket<O> {
    pub(crate) fn new(token: u64, home: &Arc<Home>) -> Self {
        Ticket {
            token,
            home: Some(home.clone()),
            _op: PhantomData,
        }
    }

    /// The user_data of this op's CQE.
    pub fn user_data(&self) -> u64 {
        self.token
    }

    /// The id of the ring it was pushed on.
    pub(crate) fn ring(&self) -> u64 {
        self.home.as_ref().map_or(0, |h| h.id)
    }

    /// The op was taken back: nothing to report when the ticket drops.
    pub(crate) fn finished(mut self) {
        self.home = None;
    }
}

impl<O> Drop for Ticket<O> {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            home.orphans
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(self.token);
            home.any.store(true, Ordering::Release);
        }
    }
}

impl<O> std::fmt::Debug for Ticket<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Ticket<{}>({:#x})",
            std::any::type_name::<O>(),
            self.token
        )
    }
}

/// What reaping a CQE did to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reaped {
    /// No live slot owns it: a raw op's, or a stale token's. The caller passes it on.
    NotOurs,
    /// A CQE with `IORING_CQE_F_MORE`: the op stays in flight.
    More { tag: Option<u64> },
    /// The op's last CQE: it is `Done` (its ticket or a completion takes it back).
    Done { tag: Option<u64> },
    /// The op's last CQE, and its ticket was gone: the op has been dropped.
    Freed { tag: Option<u64> },
}

/// An op stored by [`Table::stage`] whose SQE is being written: committed, it is in flight;
/// dropped (unwinding out of `prepare`), it is gone again.
pub(crate) struct Staged<'t, O> {
    table: &'t mut Table,
    token: u64,
    op: *mut O,
}

impl<O> Staged<'_, O> {
    /// The staged op, where it lives.
    #[inline(always)]
    pub(crate) fn op(&mut self) -> &mut O {
        // SAFETY: `stage` wrote the op at `op`, in a chunk (or box) that stays put while the
        // slot is occupied, and this borrow is tied to the stage's, which holds the table.
        unsafe { &mut *self.op }
    }

    /// The SQE is written: the op is in flight under the returned token.
    #[inline(always)]
    pub(crate) fn commit(self) -> u64 {
        let token = self.token;
        std::mem::forget(self);
        token
    }
}

impl<O> Drop for Staged<'_, O> {
    fn drop(&mut self) {
        self.table.unstage(self.token);
    }
}

/// The table. Pure Rust, no kernel: exercised directly by unit tests.
pub(crate) struct Table {
    /// Chunks of `CHUNK` slots, allocated once and never moved (`Box::into_raw`).
    chunks: Vec<*mut Slot>,
    /// Head of the free list.
    free: u32,
    /// Slots whose last CQE has not been reaped.
    pending: usize,
    /// Finished ops released from their slots and not yet dropped: whoever holds the table
    /// drops them once it has let it go ([`take_released`](Self::take_released)).
    released: Vec<Released>,
}

// SAFETY: the table owns its chunks and the ops in them, which are `Send` (`Op: Send`);
// the raw pointers are only a way to keep each chunk's address fixed.
unsafe impl Send for Table {}

impl Default for Table {
    fn default() -> Table {
        Table {
            chunks: Vec::new(),
            free: NONE,
            pending: 0,
            released: Vec::new(),
        }
    }
}

/// Empties a slot whose op is gone (taken, dropped or never stored) and links it before
/// `head`; the caller makes it the free list's head.
#[inline(always)]
fn vacate(slot: &mut Slot, head: u32) {
    slot.state = State::Free;
    slot.key = next_key(slot.key);
    slot.next_free = head;
    slot.vt = None;
}

/// The key a slot gets when freed: the next generation (31 bits, wrapping) of the same
/// index, bit 63 clear.
#[inline(always)]
fn next_key(key: u64) -> u64 {
    (key & !MANAGED).wrapping_add(1 << 32) & !MANAGED
}

impl Table {
    /// The slot at `index`, which must exist.
    #[inline(always)]
    fn slot(&mut self, index: u32) -> &mut Slot {
        let (chunk, at) = (index as usize / CHUNK, index as usize % CHUNK);
        // SAFETY: every index below `chunks.len() * CHUNK` names a slot of a live chunk;
        // `&mut self` makes the access exclusive.
        unsafe { &mut *self.chunks[chunk].add(at) }
    }

    /// The live slot a token names: one bounds check and one compare (the slot's key is the
    /// token exactly while the slot holds that op; `INTERNAL`'s index is never a slot).
    #[inline(always)]
    fn live(&mut self, token: u64) -> Option<&mut Slot> {
        if token & MANAGED == 0 {
            return None;
        }
        let index = token as u32 as usize;
        let chunk = *self.chunks.get(index / CHUNK)?;
        // SAFETY: a chunk in the list is live and holds CHUNK slots; `&mut self` makes the
        // access exclusive.
        let slot = unsafe { &mut *chunk.add(index % CHUNK) };
        (slot.key == token).then_some(slot)
    }

    #[cold]
    fn grow(&mut self) {
        let first = (self.chunks.len() * CHUNK) as u32;
        // Slot indices stay below INTERNAL_SLOT, the index of the crate's own requests (four
        // billion ops in flight would be hundreds of GiB of slots first).
        assert!(
            (first as u64) + CHUNK as u64 <= INTERNAL_SLOT as u64,
            "in-flight table full"
        );
        let chunk: Box<[Slot; CHUNK]> = Box::new([const { Slot::EMPTY }; CHUNK]);
        self.chunks.push(Box::into_raw(chunk).cast::<Slot>());
        for i in (0..CHUNK as u32).rev() {
            let head = self.free;
            let slot = self.slot(first + i);
            slot.next_free = head;
            slot.key = u64::from(first + i);
            self.free = first + i;
        }
    }

    /// Stores an op (tagged with the user's `tag`, if any) and stages it: the op now lives
    /// where it stays until taken back or dropped (`prepare` may point the SQE into it), and
    /// unless [`Staged::commit`] is reached — the user's code in `prepare` (an `AsFd` impl)
    /// panicked — the slot is given back and the op released (dropped by the holder once it
    /// lets the table go: `Shared::lock_table`), never left in flight with no SQE to
    /// complete it.
    #[inline]
    pub(crate) fn stage<O: Sealed + Send + 'static>(
        &mut self,
        op: O,
        tag: Option<u64>,
    ) -> Staged<'_, O> {
        if self.free == NONE {
            self.grow();
        }
        let index = self.free;
        self.pending += 1;
        let slot = self.slot(index);
        let next = slot.next_free;
        let token = slot.key | MANAGED;
        slot.key = token;
        slot.state = State::InFlight;
        slot.orphan = false;
        slot.tagged = tag.is_some();
        slot.tag = tag.unwrap_or(0);
        slot.vt = Some(const { &VTableOf::<O>::TABLE });
        let p: *mut O = if inline::<O>() {
            let p = (&raw mut slot.store).cast::<O>();
            // SAFETY: the store is free (uninitialised), large and aligned enough for an O.
            unsafe { p.write(op) };
            p
        } else {
            let b = Box::into_raw(Box::new(op));
            // SAFETY: the store is free and holds a pointer's worth of bytes.
            unsafe { (&raw mut slot.store).cast::<*mut O>().write(b) };
            b
        };
        self.free = next;
        Staged {
            token,
            op: p,
            table: self,
        }
    }

    #[cfg(test)]
    pub(crate) fn insert<O: Sealed + Send + 'static>(
        &mut self,
        op: O,
        tag: Option<u64>,
    ) -> (u64, ()) {
        (self.stage(op, tag).commit(), ())
    }

    /// Undoes a stage that was not committed: drops the op and frees its slot.
    #[cold]
    fn unstage(&mut self, token: u64) {
        let Some(slot) = self.live(token) else {
            return;
        };
        let vt = slot.vt.take();
        self.pending -= 1;
        if let Some(vt) = vt {
            // Dropped once the table is let go of (this runs while unwinding out of
            // `prepare`, with the table held; the holder's `TableHold` drops it next):
            // never a drop under the table's lock.
            self.retire(token as u32, vt);
            self.free_slot(token as u32);
        }
    }

    /// Moves the op out of slot `index` (whose vtable `vt` was just taken) into
    /// `released`, to be dropped once the table is let go of; the store counts as
    /// uninitialised afterwards.
    #[inline]
    fn retire(&mut self, index: u32, vt: &'static VTable) {
        if let Some(drop) = vt.drop {
            // SAFETY: the slot holds the op its vtable was made for (an inline op's bytes, or
            // a boxed op's pointer); it is moved out once here and the slot treated as empty
            // from now on. Moving a finished op is what `take` does too: nothing points into
            // it any more (its last CQE was reaped, or it never reached the kernel).
            let store = unsafe { (&raw const self.slot(index).store).read() };
            self.released.push(Released { store, drop });
        }
    }

    /// Whether ops were released since the last [`take_released`](Self::take_released).
    #[inline(always)]
    pub(crate) fn has_released(&self) -> bool {
        !self.released.is_empty()
    }

    /// The ops released since the last call, for the caller to drop once it has let the
    /// table go (`Shared::with_table` does); `None` when there are none. One op (the usual
    /// case: a completion or ticket dropped) comes out by value, so the list keeps its
    /// capacity and steady state allocates nothing.
    #[inline(always)]
    pub(crate) fn take_released(&mut self) -> Option<ReleasedOps> {
        match self.released.len() {
            0 => None,
            1 => self.released.pop().map(ReleasedOps::One),
            _ => Some(ReleasedOps::Many(std::mem::take(&mut self.released))),
        }
    }

    /// [`complete`](Self::complete) for the common case, with no call in it: the last CQE
    /// (no `IORING_CQE_F_MORE`) of a live in-flight op that records nothing and whose
    /// ticket (if any) is held. The slot is `Done`; the op's tag comes back. `None`, with
    /// nothing changed, for anything else: the caller then runs `complete`.
    #[inline(always)]
    pub(crate) fn complete_last(&mut self, cqe: &Cqe) -> Option<Option<u64>> {
        let slot = self.live(cqe.user_data())?;
        let vt = slot.vt?;
        if (slot.state != State::InFlight)
            | slot.orphan
            | vt.record.is_some()
            | cqe.flags().contains(crate::CqeFlags::MORE)
        {
            return None;
        }
        slot.state = State::Done;
        slot.cqe = *cqe;
        let tag = slot.tag();
        self.pending -= 1;
        Some(tag)
    }

    /// Records a reaped CQE: the op sees it, and at its last CQE (no `IORING_CQE_F_MORE`)
    /// the slot is `Done` — or freed, when its ticket is gone.
    #[inline(always)]
    pub(crate) fn complete(&mut self, cqe: &Cqe) -> Reaped {
        let Some(slot) = self.live(cqe.user_data()) else {
            return Reaped::NotOurs;
        };
        if slot.state != State::InFlight {
            return Reaped::NotOurs;
        }
        let vt = slot.vt.expect("an in-flight slot holds an op");
        if let Some(record) = vt.record {
            // SAFETY: the slot holds the op its vtable was made for.
            unsafe { record((&raw mut slot.store), cqe) };
        }
        let tag = slot.tag();
        if cqe.flags().contains(crate::CqeFlags::MORE) {
            return Reaped::More { tag };
        }
        slot.state = State::Done;
        slot.cqe = *cqe;
        let orphan = slot.orphan;
        self.pending -= 1;
        if orphan {
            self.release_orphaned(cqe.user_data());
            return Reaped::Freed { tag };
        }
        Reaped::Done { tag }
    }

    /// [`release`](Self::release) of an op whose ticket was dropped, out of the reap path
    /// (rare, and its drop call would cost every reap saved registers).
    #[cold]
    #[inline(never)]
    fn release_orphaned(&mut self, token: u64) {
        self.release(token);
    }

    /// Takes back a finished op of type `O` and its last CQE; frees the slot. `None` when
    /// the token is stale, the op not done yet, or of another type.
    #[inline(always)]
    pub(crate) fn take<O: Sealed + Send + 'static>(&mut self, token: u64) -> Option<(O, Cqe)> {
        // The free list's head, read before the slot is borrowed: the slot is freed through
        // the borrow `live` gives (no second lookup of its index).
        let head = self.free;
        let slot = self.live(token)?;
        if slot.state != State::Done || !holds::<O>(slot.vt?) {
            return None;
        }
        // SAFETY: the slot holds an O (type checked) that nobody else reaches; the store is
        // treated as uninitialised from here on.
        let op = unsafe {
            let p = op_ptr::<O>(&raw mut slot.store);
            if inline::<O>() {
                p.read()
            } else {
                *Box::from_raw(p)
            }
        };
        let cqe = slot.cqe;
        vacate(slot, head);
        self.free = token as u32;
        Some((op, cqe))
    }

    /// Releases a finished op (its ticket or completion was dropped, or a raw reap freed
    /// it): frees its slot, and leaves the op in `released`, dropped by the caller once the
    /// table is let go of ([`take_released`](Self::take_released)). Returns whether there
    /// was one.
    #[inline]
    pub(crate) fn release(&mut self, token: u64) -> bool {
        let Some(slot) = self.live(token) else {
            return false;
        };
        if slot.state != State::Done {
            return false;
        }
        if let Some(vt) = slot.vt.take() {
            self.retire(token as u32, vt);
        }
        self.free_slot(token as u32);
        true
    }

    /// The ticket of a slot was dropped unfinished: drop the op now if it is done, else at
    /// its last CQE.
    pub(crate) fn orphan(&mut self, token: u64) {
        let Some(slot) = self.live(token) else {
            return;
        };
        match slot.state {
            State::InFlight => slot.orphan = true,
            State::Done => {
                self.release(token);
            }
            State::Free => {}
        }
    }

    #[inline(always)]
    fn free_slot(&mut self, index: u32) {
        let head = self.free;
        vacate(self.slot(index), head);
        self.free = index;
    }

    /// Runs `f` on a live op (in flight or done, not yet taken back) of type `O`; also says
    /// whether its last CQE has been reaped. `None` for a stale token or another type.
    pub(crate) fn with_op<O: Sealed + Send + 'static, R>(
        &mut self,
        token: u64,
        f: impl FnOnce(&mut O) -> R,
    ) -> Option<(R, bool)> {
        let slot = self.live(token)?;
        if !holds::<O>(slot.vt?) {
            return None;
        }
        let done = slot.state == State::Done;
        // SAFETY: the slot holds an O (type checked); `&mut self` makes the access exclusive.
        let op = unsafe { &mut *op_ptr::<O>(&raw mut slot.store) };
        Some((f(op), done))
    }

    /// Whether a token's last CQE has been reaped (and its op not yet taken back).
    #[cfg(test)]
    pub(crate) fn is_done(&mut self, token: u64) -> bool {
        self.live(token).is_some_and(|s| s.state == State::Done)
    }

    /// The tag a live token's op was pushed with.
    pub(crate) fn tag(&mut self, token: u64) -> Option<u64> {
        self.live(token).and_then(|s| s.tag())
    }

    /// Operations whose last CQE has not been reaped.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// Tokens of every op still in flight.
    pub(crate) fn pending_tokens(&mut self) -> Vec<u64> {
        let n = (self.chunks.len() * CHUNK) as u32;
        (0..n)
            .filter_map(|i| {
                let s = self.slot(i);
                (s.state == State::InFlight).then_some(s.key)
            })
            .collect()
    }

    /// Gives up on every op still in flight without freeing its memory: the kernel may still
    /// write it, so leaking is the only sound choice. Ops already done are dropped normally.
    /// The chunks themselves are leaked when any op was (an inline op lives in its chunk).
    /// Returns how many were leaked.
    pub(crate) fn leak_pending(&mut self) -> usize {
        let n = (self.chunks.len() * CHUNK) as u32;
        let mut leaked = 0;
        for i in 0..n {
            let slot = self.slot(i);
            if slot.state == State::InFlight {
                if let Some(vt) = slot.vt.take() {
                    // SAFETY: the slot holds the op its vtable was made for; forgotten once.
                    unsafe { (vt.forget)(&raw mut slot.store) };
                }
                slot.state = State::Free;
                slot.key = next_key(slot.key);
                leaked += 1;
            }
        }
        if leaked > 0 {
            // Inline ops of leaked slots live in these chunks: drop the finished ops they
            // also hold, then keep the chunks themselves forever.
            for i in 0..n {
                let slot = self.slot(i);
                if let Some(drop) = slot.vt.take().and_then(|vt| vt.drop) {
                    // SAFETY: a finished op (every in-flight one was taken above); dropped once.
                    unsafe { drop(&raw mut slot.store) };
                }
            }
            for chunk in self.chunks.drain(..) {
                keep_forever(chunk.cast());
            }
            self.free = NONE;
        }
        self.pending = 0;
        leaked
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        // Nothing in flight may be freed (the ring leaks those before dropping the table;
        // this keeps the rule even if it did not).
        if self.pending > 0 {
            self.leak_pending();
        }
        let n = (self.chunks.len() * CHUNK) as u32;
        for i in 0..n {
            let slot = self.slot(i);
            if let Some(drop) = slot.vt.take().and_then(|vt| vt.drop) {
                // SAFETY: the slot holds the op its vtable was made for; nothing is in
                // flight any more (leaked just above), so these are finished ops nobody
                // took back.
                unsafe { drop(&raw mut slot.store) };
            }
        }
        for &chunk in &self.chunks {
            // SAFETY: made by Box::into_raw of a [Slot; CHUNK] in `grow`, freed once.
            drop(unsafe { Box::from_raw(chunk.cast::<[Slot; CHUNK]>()) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sq::Sqe;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A test op of `N` words that counts its drops and the CQEs it was shown.
    struct Probe<const N: usize> {
        drops: Arc<AtomicUsize>,
        seen: usize,
        _pad: [u64; N],
    }

    impl<const N: usize> Probe<N> {
        fn new(drops: &Arc<AtomicUsize>) -> Self {
            Probe {
                drops: drops.clone(),
                seen: 0,
                _pad: [7; N],
            }
        }
    }

    impl<const N: usize> Drop for Probe<N> {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::Relaxed);
        }
    }

    impl<const N: usize> Sealed for Probe<N> {
        const OPCODE: u8 = 0;
        const RECORDS: bool = true;
        fn prepare(&mut self, _sqe: &mut Sqe, _ring: u64) {}
        fn record(&mut self, _cqe: &Cqe) {
            self.seen += 1;
        }
    }

    type Small = Probe<1>;
    type Large = Probe<16>;

    fn cqe(token: u64, flags: u32) -> Cqe {
        Cqe::new(token, 0, flags)
    }

    const MORE: u32 = crate::sys::IORING_CQE_F_MORE;

    #[test]
    fn small_ops_live_in_their_slot_large_ones_in_a_box() {
        assert!(inline::<Small>());
        assert!(!inline::<Large>());
        #[cfg(liburing_has = "io_uring_prep_read")]
        assert!(inline::<crate::op::Read<std::fs::File, Vec<u8>>>());
        // Registered files and buffers: no allocation per op either.
        assert!(inline::<crate::op::ReadFixed<crate::fd::Fixed>>());
        assert!(inline::<crate::op::WriteFixed<crate::fd::Fixed>>());
    }

    #[test]
    fn a_stage_not_committed_drops_its_op_and_frees_its_slot() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        for boxed in [false, true] {
            let index = {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if boxed {
                        let mut st = t.stage(Large::new(&drops), Some(3));
                        st.op().seen = 1;
                        panic!("prepare unwinds");
                    }
                    let mut st = t.stage(Small::new(&drops), Some(3));
                    st.op().seen = 1;
                    panic!("prepare unwinds");
                }));
                assert!(r.is_err());
                t.free
            };
            assert_eq!(t.pending(), 0, "nothing in flight");
            // The slot was freed: the next stage gets the same index, a new generation.
            let again = t.insert(Small::new(&drops), None).0;
            assert_eq!(again as u32, index);
            assert_eq!(t.complete(&cqe(again, 0)), Reaped::Done { tag: None });
            assert!(t.release(again));
            drop(t.take_released());
        }
        assert_eq!(
            drops.load(Ordering::Relaxed),
            4,
            "each unwound op and each probe dropped once"
        );
    }

    #[test]
    fn life_cycle_inline_and_boxed() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Small::new(&drops), None);
        let (b, _) = t.insert(Large::new(&drops), None);
        assert!(a & MANAGED != 0 && b & MANAGED != 0);
        assert_eq!(t.pending(), 2);
        assert!(t.take::<Small>(a).is_none(), "not reaped yet");
        assert_eq!(t.complete(&cqe(a, 0)), Reaped::Done { tag: None });
        assert_eq!(
            t.complete(&cqe(a, 0)),
            Reaped::NotOurs,
            "one last CQE per op"
        );
        assert!(t.take::<Large>(a).is_none(), "another type is refused");
        let (op, c) = t.take::<Small>(a).unwrap();
        assert_eq!((op.seen, c.user_data()), (1, a));
        drop(op);
        assert!(t.take::<Small>(a).is_none(), "exactly once");
        assert_eq!(t.complete(&cqe(b, 0)), Reaped::Done { tag: None });
        let (op, _) = t.take::<Large>(b).unwrap();
        assert_eq!(op._pad, [7; 16], "a boxed op comes back whole");
        drop(op);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn stale_tokens_never_reach_the_next_owner() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Small::new(&drops), None);
        t.complete(&cqe(a, 0));
        drop(t.take::<Small>(a).unwrap());
        let (b, _) = t.insert(Small::new(&drops), None);
        assert_eq!(a as u32, b as u32, "slot reused");
        assert_ne!(a, b, "generation differs");
        assert_eq!(
            t.complete(&cqe(a, 0)),
            Reaped::NotOurs,
            "late CQE of the old owner"
        );
        assert!(!t.is_done(b));
        assert_eq!(t.complete(&cqe(b, 0)), Reaped::Done { tag: None });
    }

    #[test]
    fn multishot_stays_in_flight_until_last_and_sees_every_cqe() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Small::new(&drops), Some(9));
        assert_eq!(t.complete(&cqe(a, MORE)), Reaped::More { tag: Some(9) });
        assert_eq!(t.complete(&cqe(a, MORE)), Reaped::More { tag: Some(9) });
        assert!(!t.is_done(a));
        assert_eq!(t.with_op::<Small, _>(a, |op| op.seen), Some((2, false)));
        assert_eq!(t.complete(&cqe(a, 0)), Reaped::Done { tag: Some(9) });
        assert_eq!(t.tag(a), Some(9));
        assert_eq!(t.with_op::<Small, _>(a, |op| op.seen), Some((3, true)));
    }

    #[test]
    fn orphans_are_dropped_at_their_last_cqe_or_at_once_when_done() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Large::new(&drops), None);
        let (b, _) = t.insert(Small::new(&drops), None);
        t.orphan(a);
        assert_eq!(drops.load(Ordering::Relaxed), 0, "still in flight: kept");
        assert!(t.take_released().is_none());
        assert_eq!(t.complete(&cqe(a, 0)), Reaped::Freed { tag: None });
        assert_eq!(
            drops.load(Ordering::Relaxed),
            0,
            "dropped once the table is let go"
        );
        drop(t.take_released());
        assert_eq!(drops.load(Ordering::Relaxed), 1, "released at its last CQE");
        t.complete(&cqe(b, 0));
        t.orphan(b);
        drop(t.take_released());
        assert_eq!(drops.load(Ordering::Relaxed), 2, "done: released at once");
        assert_eq!(t.pending(), 0);
        let (c, _) = t.insert(Small::new(&drops), None);
        assert!(
            c as u32 == a as u32 || c as u32 == b as u32,
            "freed slots are reused"
        );
    }

    #[test]
    fn foreign_and_internal_tokens_are_not_ours() {
        let mut t = Table::default();
        assert_eq!(t.complete(&cqe(42, 0)), Reaped::NotOurs);
        assert_eq!(t.complete(&cqe(INTERNAL, 0)), Reaped::NotOurs);
        assert_eq!(t.complete(&cqe(MANAGED | 7, 0)), Reaped::NotOurs);
        assert_eq!(t.complete(&cqe(MANAGED | 1 << 40, 0)), Reaped::NotOurs);
    }

    #[test]
    fn leak_pending_forgets_only_in_flight() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (_a, _) = t.insert(Small::new(&drops), None);
        let (_b, _) = t.insert(Large::new(&drops), None);
        let (c, _) = t.insert(Small::new(&drops), None);
        t.complete(&cqe(c, 0));
        assert_eq!(t.pending_tokens().len(), 2);
        assert_eq!(t.leak_pending(), 2);
        drop(t);
        assert_eq!(
            drops.load(Ordering::Relaxed),
            1,
            "only the finished op is dropped; in-flight ones are leaked, never freed"
        );
    }

    /// What is leaked stays reachable from a static, so a leak checker (LSan, valgrind) run
    /// on a program that drops a ring with ops in flight does not report the intended
    /// keep-alive as a leak: both a boxed op and the chunk an inline op lives in.
    #[test]
    fn leaked_ops_stay_reachable() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (_a, _) = t.insert(Small::new(&drops), None);
        let (b, _) = t.insert(Large::new(&drops), None);
        let boxed = t
            .with_op::<Large, _>(b, |op| op as *mut Large as usize)
            .unwrap()
            .0;
        let chunk = t.chunks[0] as usize;
        assert_eq!(t.leak_pending(), 2);
        let kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
        assert!(kept.contains(&boxed), "the boxed op is kept reachable");
        assert!(kept.contains(&chunk), "the chunk holding the inline op too");
    }

    /// A ticket whose op was taken back tells its ring nothing: the next reap stays a relaxed
    /// load, with no lock and no list to hand over. A ticket dropped unfinished hands over its
    /// token.
    #[test]
    fn a_finished_ticket_reports_nothing_to_its_ring() {
        let home = Home::new(1);
        Ticket::<Small>::new(MANAGED | 5, &home).finished();
        assert!(!home.any.load(Ordering::Relaxed), "nothing to release");
        assert!(home.orphans.lock().unwrap().is_empty());
        drop(Ticket::<Small>::new(MANAGED | 6, &home));
        assert!(home.any.load(Ordering::Relaxed));
        assert_eq!(*home.orphans.lock().unwrap(), [MANAGED | 6]);
    }

    /// The vtable compare is only a fast path: a copy of a type's vtable at another address
    /// (the same constant in two codegen units) still holds that type, so its op comes back.
    #[test]
    fn a_vtable_at_another_address_still_holds_its_type() {
        // A static of its own: an address no other allocation has, and nothing leaked.
        static COPY: VTable = VTableOf::<Small>::TABLE;
        let copy: &'static VTable = &COPY;
        assert!(!std::ptr::eq(copy, const { &VTableOf::<Small>::TABLE }));
        assert!(holds::<Small>(copy));
        assert!(!holds::<Large>(copy));
        assert!(holds::<Small>(const { &VTableOf::<Small>::TABLE }));
    }

    /// A free slot's key (bit 63 clear: the next token of that slot without the managed bit)
    /// names no op: none of the table's lookups answers for it, the tag of the op the slot
    /// held before included.
    #[test]
    fn a_free_slots_key_is_no_token() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Small::new(&drops), Some(4));
        assert_eq!(t.complete(&cqe(a, 0)), Reaped::Done { tag: Some(4) });
        assert!(t.release(a));
        let key = next_key(a);
        assert_eq!(key & MANAGED, 0);
        assert_eq!(t.tag(key), None, "the old op's tag");
        assert_eq!(t.complete(&cqe(key, 0)), Reaped::NotOurs);
        assert!(t.take::<Small>(key).is_none());
        assert!(!t.release(key));
        assert!(t.with_op::<Small, _>(key, |_| ()).is_none());
        // Slot 1 was never used: its key is its index, generation 0.
        assert_eq!(t.tag(1), None);
        assert_eq!(t.complete(&cqe(1, 0)), Reaped::NotOurs);
    }

    #[test]
    fn dropping_the_table_drops_finished_ops_and_leaks_in_flight_ones() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Small::new(&drops), None);
        let (_b, _) = t.insert(Small::new(&drops), None);
        t.complete(&cqe(a, 0));
        drop(t);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn many_slots_across_chunks() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let tokens: Vec<u64> = (0..300)
            .map(|i| t.insert(Small::new(&drops), Some(i)).0)
            .collect();
        for (i, &tok) in tokens.iter().enumerate().rev() {
            assert_eq!(
                t.complete(&cqe(tok, 0)),
                Reaped::Done {
                    tag: Some(i as u64)
                }
            );
            assert!(t.release(tok));
        }
        assert_eq!(
            drops.load(Ordering::Relaxed),
            0,
            "dropped once the table is let go"
        );
        assert_eq!(t.take_released().map(|r| r.len()), Some(300));
        assert_eq!(drops.load(Ordering::Relaxed), 300);
        assert_eq!(t.pending(), 0);
    }

    /// Regression (was: a deadlock): ops released under the table (their drop being the
    /// user's code, which may take the table's lock again) are moved out of their slots
    /// whole — inline and boxed — and dropped only when the holder lets go; their slots are
    /// free meanwhile, and an op staged into one does not disturb the released one.
    #[test]
    fn released_ops_are_dropped_after_the_table_is_let_go() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (a, _) = t.insert(Small::new(&drops), None);
        let (b, _) = t.insert(Large::new(&drops), None);
        t.complete(&cqe(a, 0));
        t.complete(&cqe(b, 0));
        assert!(t.release(a));
        assert!(t.release(b));
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        let (c, _) = t.insert(Small::new(&drops), None);
        assert!(
            c as u32 == a as u32 || c as u32 == b as u32,
            "a freed slot reused"
        );
        let released = t.take_released().expect("two released ops");
        assert!(t.take_released().is_none(), "handed over once");
        assert_eq!(released.len(), 2);
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        drop(released);
        assert_eq!(drops.load(Ordering::Relaxed), 2, "each dropped once");
        t.complete(&cqe(c, 0));
        let (op, _) = t.take::<Small>(c).unwrap();
        assert_eq!((op.seen, op._pad), (1, [7; 1]), "the new op untouched");
    }

    /// A test op that records nothing (the only kind `complete_last` completes).
    struct Quiet(#[allow(dead_code)] u64);

    impl Sealed for Quiet {
        const OPCODE: u8 = 0;
        fn prepare(&mut self, _sqe: &mut Sqe, _ring: u64) {}
    }

    #[test]
    fn complete_last_takes_only_the_common_case_and_changes_nothing_otherwise() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut t = Table::default();
        let (q, _) = t.insert(Quiet(1), Some(5));
        assert_eq!(t.complete_last(&cqe(q, MORE)), None, "more to come");
        assert_eq!(t.pending(), 1);
        assert_eq!(t.complete_last(&cqe(q, 0)), Some(Some(5)));
        assert!(t.is_done(q));
        assert_eq!(t.pending(), 0);
        assert_eq!(t.complete_last(&cqe(q, 0)), None, "one last CQE per op");
        assert!(t.take::<Quiet>(q).is_some());
        let (p, _) = t.insert(Small::new(&drops), None);
        assert_eq!(t.complete_last(&cqe(p, 0)), None, "an op that records");
        assert!(!t.is_done(p));
        let (o, _) = t.insert(Quiet(2), None);
        t.orphan(o);
        assert_eq!(t.complete_last(&cqe(o, 0)), None, "an orphan");
        assert_eq!(t.complete(&cqe(o, 0)), Reaped::Freed { tag: None });
        assert_eq!(t.complete_last(&cqe(42, 0)), None, "not a token");
        assert_eq!(t.complete_last(&cqe(INTERNAL, 0)), None, "internal");
    }

    #[test]
    fn slot_size() {
        // The README states the per-op memory of the table; keep it honest.
        let slot = std::mem::size_of::<Slot>();
        eprintln!("table slot: {slot} bytes ({INLINE} of them inline storage)");
        assert!(slot <= INLINE + 64, "{slot}");
    }
}
