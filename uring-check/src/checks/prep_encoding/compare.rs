//! The field-by-field comparison of two 64-byte SQEs, pointers compared by what they point at.

use std::fmt;

/// A field of `struct io_uring_sqe`, by offset (the unions' members share one name here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// 0: `opcode`.
    Opcode,
    /// 1: `flags` (`IOSQE_*`).
    Flags,
    /// 2: `ioprio` (also accept/recv/send flags of some opcodes).
    Ioprio,
    /// 4: `fd`.
    Fd,
    /// 8: `off` / `addr2` / `cmd_op`.
    Off,
    /// 16: `addr` / `splice_off_in` / level+optname.
    Addr,
    /// 24: `len`.
    Len,
    /// 28: the op's flag word (`rw_flags`, `open_flags`, `msg_flags`...).
    OpFlags,
    /// 32: `user_data`.
    UserData,
    /// 40: `buf_index` / `buf_group`.
    BufIndex,
    /// 42: `personality`.
    Personality,
    /// 44: `file_index` / `splice_fd_in` / `addr_len` / `optlen`.
    FileIndex,
    /// 48: `addr3` / `optval`.
    Addr3,
    /// 56: `__pad2` (the start of `cmd` on URING_CMD).
    Pad,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::Opcode,
        Field::Flags,
        Field::Ioprio,
        Field::Fd,
        Field::Off,
        Field::Addr,
        Field::Len,
        Field::OpFlags,
        Field::UserData,
        Field::BufIndex,
        Field::Personality,
        Field::FileIndex,
        Field::Addr3,
        Field::Pad,
    ];

    /// (offset, size) in the SQE.
    pub fn at(self) -> (usize, usize) {
        match self {
            Field::Opcode => (0, 1),
            Field::Flags => (1, 1),
            Field::Ioprio => (2, 2),
            Field::Fd => (4, 4),
            Field::Off => (8, 8),
            Field::Addr => (16, 8),
            Field::Len => (24, 4),
            Field::OpFlags => (28, 4),
            Field::UserData => (32, 8),
            Field::BufIndex => (40, 2),
            Field::Personality => (42, 2),
            Field::FileIndex => (44, 4),
            Field::Addr3 => (48, 8),
            Field::Pad => (56, 8),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Opcode => "opcode",
            Field::Flags => "flags",
            Field::Ioprio => "ioprio",
            Field::Fd => "fd",
            Field::Off => "off",
            Field::Addr => "addr",
            Field::Len => "len",
            Field::OpFlags => "op_flags",
            Field::UserData => "user_data",
            Field::BufIndex => "buf_index",
            Field::Personality => "personality",
            Field::FileIndex => "file_index",
            Field::Addr3 => "addr3",
            Field::Pad => "pad2",
        }
    }

    /// The field's value in `sqe` (native byte order, zero-extended).
    pub fn get(self, sqe: &[u8; 64]) -> u64 {
        let (at, size) = self.at();
        let mut b = [0u8; 8];
        if cfg!(target_endian = "big") {
            b[8 - size..].copy_from_slice(&sqe[at..at + size]);
            u64::from_be_bytes(b)
        } else {
            b[..size].copy_from_slice(&sqe[at..at + size]);
            u64::from_le_bytes(b)
        }
    }
}

/// What a pointer field points at, so that two different addresses can still name equal
/// arguments.
// Some kinds are named only by scenarios of helpers an older liburing lacks.
#[cfg_attr(not(liburing_has = "io_uring_prep_readv2"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointee {
    /// A NUL-terminated string (a path, an xattr name).
    CStr,
    /// A structure the kernel reads, compared byte for byte (`open_how`, `__kernel_timespec`,
    /// a `sockaddr`, an `epoll_event`, an fd array...).
    Bytes(usize),
    /// Room the kernel writes into (a `statx`, a `siginfo_t`, a pipe's two fds): equal when
    /// both point somewhere (its size is another field's or the type's).
    Out,
    /// `n` iovecs, compared element by element (base, length).
    Iovecs(usize),
    /// A `msghdr` the kernel reads, field by field; its name is an address to send to
    /// (compared byte for byte) or room for the sender's (compared as [`Pointee::Out`]).
    Msghdr { name_out: bool },
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub field: Field,
    /// The raw values.
    pub krate: u64,
    pub lib: u64,
    /// For a pointer compared by what it points at: what differs there.
    pub pointee: Option<PointeeDiff>,
}

/// A difference behind a pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointeeDiff {
    /// Where, e.g. `open_how bytes 0..8`, `msghdr.msg_namelen`, `iovec[1].iov_len`.
    pub what: String,
    /// The differing values there (the first 8 bytes of a byte range, native order).
    pub krate: u64,
    pub lib: u64,
}

impl Diff {
    /// A difference in the field's own value (no pointer rule involved).
    #[cfg(test)]
    pub fn raw(field: Field, krate: u64, lib: u64) -> Diff {
        Diff {
            field,
            krate,
            lib,
            pointee: None,
        }
    }

    /// The crate's and liburing's value (behind the pointer when the difference is there).
    pub fn values(&self) -> (u64, u64) {
        match &self.pointee {
            Some(p) => (p.krate, p.lib),
            None => (self.krate, self.lib),
        }
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (at, _) = self.field.at();
        match &self.pointee {
            None => write!(
                f,
                "{} ({at}): crate {:#x}, liburing {:#x}",
                self.field.name(),
                self.krate,
                self.lib
            ),
            Some(p) => write!(
                f,
                "{} ({at}) -> {}: crate {:#x}, liburing {:#x}",
                self.field.name(),
                p.what,
                p.krate,
                p.lib
            ),
        }
    }
}

/// The fields of `krate` and `lib` that differ, pointers with a rule in `pointees` compared
/// by what they point at.
///
/// # Safety
/// For every field with a rule in `pointees`, each SQE's value there must be null or point
/// at live, readable memory of the kind the rule says (a NUL-terminated string, at least
/// the bytes named, an array of that many iovecs, a `msghdr` whose name, iovecs and control
/// are in turn null or valid for their lengths), not written during the call.
pub unsafe fn compare(
    krate: &[u8; 64],
    lib: &[u8; 64],
    pointees: &[(Field, Pointee)],
) -> Vec<Diff> {
    let mut out = Vec::new();
    for field in Field::ALL {
        let (k, l) = (field.get(krate), field.get(lib));
        let rule = pointees.iter().find(|(f, _)| *f == field).map(|(_, r)| *r);
        match rule {
            // SAFETY: the caller vouches for the pointers of fields with a rule.
            Some(rule) => match unsafe { pointee_diff(rule, k, l) } {
                Ok(()) => {}
                Err(p) => out.push(Diff {
                    field,
                    krate: k,
                    lib: l,
                    pointee: Some(p),
                }),
            },
            None if k != l => out.push(Diff {
                field,
                krate: k,
                lib: l,
                pointee: None,
            }),
            None => {}
        }
    }
    out
}

fn pd(what: impl Into<String>, krate: u64, lib: u64) -> PointeeDiff {
    PointeeDiff {
        what: what.into(),
        krate,
        lib,
    }
}

/// Up to 8 bytes as a native-order number.
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    if cfg!(target_endian = "big") {
        w[8 - n..].copy_from_slice(&b[..n]);
        u64::from_be_bytes(w)
    } else {
        w[..n].copy_from_slice(&b[..n]);
        u64::from_le_bytes(w)
    }
}

/// Compares `n` bytes at two addresses; the first differing 8-byte word is reported.
///
/// # Safety
/// Both are null or valid for `n` bytes of reads.
unsafe fn bytes_diff(what: &str, k: u64, l: u64, n: usize) -> Result<(), PointeeDiff> {
    if k == l {
        return Ok(());
    }
    if k == 0 || l == 0 {
        return Err(pd(format!("{what} pointer (null on one side)"), k, l));
    }
    // SAFETY: the caller vouches for both ranges.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(k as *const u8, n),
            std::slice::from_raw_parts(l as *const u8, n),
        )
    };
    match (0..n)
        .step_by(8)
        .find(|&i| a[i..n.min(i + 8)] != b[i..n.min(i + 8)])
    {
        None => Ok(()),
        Some(i) => {
            let end = n.min(i + 8);
            Err(pd(
                format!("{what} bytes {i}..{end}"),
                word(&a[i..end]),
                word(&b[i..end]),
            ))
        }
    }
}

/// # Safety
/// As [`compare`] for one field.
unsafe fn pointee_diff(rule: Pointee, k: u64, l: u64) -> Result<(), PointeeDiff> {
    match rule {
        Pointee::CStr => {
            if k == l {
                return Ok(());
            }
            if k == 0 || l == 0 {
                return Err(pd("C string pointer (null on one side)", k, l));
            }
            // SAFETY: the caller vouches for two NUL-terminated strings.
            let (a, b) = unsafe {
                (
                    std::ffi::CStr::from_ptr(k as *const libc::c_char),
                    std::ffi::CStr::from_ptr(l as *const libc::c_char),
                )
            };
            if a == b {
                Ok(())
            } else {
                Err(pd(
                    format!("C string {a:?} vs {b:?}"),
                    a.to_bytes().len() as u64,
                    b.to_bytes().len() as u64,
                ))
            }
        }
        // SAFETY: the caller vouches for `n` bytes at each.
        Pointee::Bytes(n) => unsafe { bytes_diff("pointee", k, l, n) },
        Pointee::Out => {
            if (k == 0) == (l == 0) {
                Ok(())
            } else {
                Err(pd("room pointer (null on one side)", k, l))
            }
        }
        // SAFETY: the caller vouches for `n` iovecs at each.
        Pointee::Iovecs(n) => unsafe { iovecs_diff("iovec", k, l, n) },
        // SAFETY: the caller vouches for a msghdr at each.
        Pointee::Msghdr { name_out } => unsafe { msghdr_diff(k, l, name_out) },
    }
}

/// # Safety
/// Both are null or valid for `n` iovecs.
unsafe fn iovecs_diff(what: &str, k: u64, l: u64, n: usize) -> Result<(), PointeeDiff> {
    if k == l {
        return Ok(());
    }
    if k == 0 || l == 0 {
        return Err(pd(format!("{what} array pointer (null on one side)"), k, l));
    }
    for i in 0..n {
        // SAFETY: the caller vouches for `n` elements at each.
        let (a, b) = unsafe {
            (
                (k as *const libc::iovec).add(i).read_unaligned(),
                (l as *const libc::iovec).add(i).read_unaligned(),
            )
        };
        if a.iov_base != b.iov_base {
            return Err(pd(
                format!("{what}[{i}].iov_base"),
                a.iov_base as u64,
                b.iov_base as u64,
            ));
        }
        if a.iov_len != b.iov_len {
            return Err(pd(
                format!("{what}[{i}].iov_len"),
                a.iov_len as u64,
                b.iov_len as u64,
            ));
        }
    }
    Ok(())
}

/// # Safety
/// Both are null or point at a `msghdr` whose pointers are null or valid for their lengths.
// msg_iovlen and msg_controllen are size_t on glibc, int / socklen_t on musl.
#[allow(clippy::unnecessary_cast)]
unsafe fn msghdr_diff(k: u64, l: u64, name_out: bool) -> Result<(), PointeeDiff> {
    if k == l {
        return Ok(());
    }
    if k == 0 || l == 0 {
        return Err(pd("msghdr pointer (null on one side)", k, l));
    }
    // SAFETY: the caller vouches for a msghdr at each.
    let (a, b) = unsafe {
        (
            (k as *const libc::msghdr).read_unaligned(),
            (l as *const libc::msghdr).read_unaligned(),
        )
    };
    let num = |what: &str, x: u64, y: u64| {
        if x == y {
            Ok(())
        } else {
            Err(pd(format!("msghdr.{what}"), x, y))
        }
    };
    num("msg_namelen", a.msg_namelen.into(), b.msg_namelen.into())?;
    let (an, bn) = (a.msg_name as u64, b.msg_name as u64);
    if name_out {
        if (an == 0) != (bn == 0) {
            return Err(pd("msghdr.msg_name (null on one side)", an, bn));
        }
    } else {
        // SAFETY: the caller vouches for msg_namelen bytes at each name.
        unsafe { bytes_diff("msghdr.msg_name", an, bn, a.msg_namelen as usize) }?;
    }
    num("msg_iovlen", a.msg_iovlen as u64, b.msg_iovlen as u64)?;
    // SAFETY: the caller vouches for msg_iovlen iovecs at each.
    unsafe {
        iovecs_diff(
            "msghdr.msg_iov",
            a.msg_iov as u64,
            b.msg_iov as u64,
            a.msg_iovlen as usize,
        )
    }?;
    num(
        "msg_controllen",
        a.msg_controllen as u64,
        b.msg_controllen as u64,
    )?;
    // SAFETY: the caller vouches for msg_controllen bytes at each.
    unsafe {
        bytes_diff(
            "msghdr.msg_control",
            a.msg_control as u64,
            b.msg_control as u64,
            a.msg_controllen,
        )
    }?;
    num(
        "msg_flags",
        a.msg_flags as u32 as u64,
        b.msg_flags as u32 as u64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqe(set: &[(Field, u64)]) -> [u8; 64] {
        let mut b = [0u8; 64];
        for &(f, v) in set {
            let (at, size) = f.at();
            b[at..at + size].copy_from_slice(&v.to_ne_bytes()[..size]);
        }
        b
    }

    #[test]
    fn fields_tile_the_entry() {
        let mut next = 0;
        for f in Field::ALL {
            let (at, size) = f.at();
            assert_eq!(at, next, "{f:?}");
            next = at + size;
        }
        assert_eq!(next, 64);
        let s = sqe(&[(Field::FileIndex, 0xdead_beef), (Field::Ioprio, 7)]);
        assert_eq!(Field::FileIndex.get(&s), 0xdead_beef);
        assert_eq!(Field::Ioprio.get(&s), 7);
    }

    #[test]
    fn raw_and_pointee_differences() {
        let (p1, p2) = (c"/a/path", c"/a/path");
        let p3 = c"/b";
        let how1 = [0x80000u64, 0, 0];
        let how2 = [0u64, 0, 0];
        let k = sqe(&[
            (Field::Addr, p1.as_ptr() as u64),
            (Field::Off, how1.as_ptr() as u64),
            (Field::OpFlags, 1),
        ]);
        let l = sqe(&[
            (Field::Addr, p2.as_ptr() as u64),
            (Field::Off, how2.as_ptr() as u64),
        ]);
        let rules = [
            (Field::Addr, Pointee::CStr),
            (Field::Off, Pointee::Bytes(24)),
        ];
        // SAFETY: the pointers name the locals above, which live through the call.
        let d = unsafe { compare(&k, &l, &rules) };
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].field, Field::Off);
        assert_eq!(d[0].values(), (0x80000, 0));
        assert!(d[0].to_string().contains("bytes 0..8"), "{}", d[0]);
        assert_eq!(d[1].field, Field::OpFlags);
        // A different string is a difference.
        let l2 = sqe(&[(Field::Addr, p3.as_ptr() as u64)]);
        let k2 = sqe(&[(Field::Addr, p1.as_ptr() as u64)]);
        // SAFETY: as above.
        let d = unsafe { compare(&k2, &l2, &rules[..1]) };
        assert_eq!(d.len(), 1);
        assert!(d[0].to_string().contains("\"/b\""), "{}", d[0]);
    }

    #[test]
    fn msghdrs_compare_field_by_field() {
        let buf = [0u8; 16];
        let iov = [libc::iovec {
            iov_base: buf.as_ptr() as *mut _,
            iov_len: 16,
        }];
        let iov2 = iov;
        let mut name_a = [0u8; 128];
        let mut name_b = [0u8; 128];
        // SAFETY: msghdr is plain old data.
        let mut a: libc::msghdr = unsafe { std::mem::zeroed() };
        a.msg_iov = iov.as_ptr() as *mut _;
        a.msg_iovlen = 1;
        a.msg_name = name_a.as_mut_ptr().cast();
        a.msg_namelen = 128;
        let mut b = a;
        b.msg_iov = iov2.as_ptr() as *mut _;
        b.msg_name = name_b.as_mut_ptr().cast();
        let k = sqe(&[(Field::Addr, &a as *const _ as u64)]);
        let l = sqe(&[(Field::Addr, &b as *const _ as u64)]);
        let rule = [(Field::Addr, Pointee::Msghdr { name_out: true })];
        // SAFETY: both headers and what they point at are locals that outlive the call.
        assert!(unsafe { compare(&k, &l, &rule) }.is_empty());
        // SAFETY: msg_name points at `name_b`, 128 bytes, alive.
        unsafe { b.msg_name.cast::<u8>().add(3).write(1) };
        let rule_in = [(Field::Addr, Pointee::Msghdr { name_out: false })];
        // SAFETY: as above.
        let d = unsafe { compare(&k, &l, &rule_in) };
        assert_eq!(d.len(), 1);
        assert!(d[0].to_string().contains("msg_name bytes 0..8"), "{}", d[0]);
        b.msg_namelen = 16;
        let l = sqe(&[(Field::Addr, &b as *const _ as u64)]);
        // SAFETY: as above.
        let d = unsafe { compare(&k, &l, &rule) };
        assert!(d[0].to_string().contains("msg_namelen"), "{}", d[0]);
    }
}
