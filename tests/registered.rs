//! Registered files and buffers: ReadFixed / WriteFixed round trip through fixed slots.

mod common;

use std::os::fd::AsRawFd;
use system_liburing::op::{Read, ReadFixed, WriteFixed};
use system_liburing::Ring;

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
    ring.register_files(&[file.as_raw_fd()]).unwrap();
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
    let t = ring.push(WriteFixed::new(0, w, 0).fixed_file()).unwrap();
    let (n, _w) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 5);

    let r = bufs.remove(0);
    let t = ring.push(ReadFixed::new(0, r, 0).fixed_file()).unwrap();
    let (n, r) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 5);
    assert_eq!(&r[..], b"fixed");

    // A plain Read through the fixed-file slot too.
    let t = ring
        .push(Read::new(0, Vec::with_capacity(16), 0).fixed_file())
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().1, b"fixed");

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
