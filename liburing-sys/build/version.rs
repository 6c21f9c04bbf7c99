//! Which liburing release the build is against, from the best evidence, and where the
//! evidence disagrees.
//!
//! In order of trust: `LIBURING_VERSION` (the builder says so), the version macros of
//! `liburing/io_uring_version.h` (2.4+), the shared object's file name (`liburing.so.2.1.0`,
//! `liburing.so.1.0.6` for 0.6), the header's own markers (a function or flag each release
//! added), and pkg-config / `liburing.pc` last: several releases' `.pc` lag (2.0's says 0.7,
//! 2.1's says 2.0, 0.2's says 0.1). A disagreement is reported, never silently overridden:
//! for a validator a `.pc` that lies is a finding.
//!
//! Pure functions over paths and strings, so that `tests/version_truth.rs` can include this
//! file and drive it with fake trees.

use std::fmt;
use std::path::Path;

#[path = "library_name.rs"]
mod library_name;
pub use library_name::release_from_library_name;
// Tests include this file on its own, so it brings its own copy.
#[allow(clippy::duplicate_mod)]
#[path = "words.rs"]
mod words;

/// A release number, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Release(pub u32, pub u32);

impl Release {
    pub fn parse(s: &str) -> Option<Release> {
        let mut it = s.trim().split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
        Some(Release(major, minor))
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What one source says: exactly one release, or a range (the markers cannot tell 0.4 from
/// 0.5, and the newest marker cannot tell a later release).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Exact(Release),
    /// From `lo` to `hi` inclusive; `hi == None`: `lo` or any later release.
    Range(Release, Option<Release>),
}

impl Claim {
    fn admits(&self, r: Release) -> bool {
        match *self {
            Claim::Exact(e) => e == r,
            Claim::Range(lo, hi) => r >= lo && hi.is_none_or(|hi| r <= hi),
        }
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Claim::Exact(r) => write!(f, "{r}"),
            Claim::Range(lo, Some(hi)) => write!(f, "{lo} to {hi}"),
            Claim::Range(lo, None) => write!(f, "{lo} or later"),
        }
    }
}

/// One piece of evidence: which source, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// `LIBURING_VERSION`, `io_uring_version.h`, `library file name liburing.so.2.1.0`,
    /// `header markers`, `pkg-config`, `liburing.pc (path)`.
    pub source: String,
    pub claim: Claim,
}

/// The verdict: the release, the source it came from, everything that was seen, and the
/// sources that disagree with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub version: Option<Release>,
    pub source: String,
    pub evidence: Vec<Evidence>,
    pub disagreements: Vec<String>,
}

/// (release, an identifier its header was the first to have), for every release up to
/// 2.15; `None` where a release added nothing to its headers (0.5's are 0.4's). Checked
/// against every release's headers by `.ci/every-release.sh` (the matrix's version column).
pub const MARKERS: &[(Release, Option<&str>)] = &[
    (Release(0, 1), Some("io_uring_queue_init")),
    (Release(0, 2), Some("io_uring_peek_batch_cqe")),
    (Release(0, 3), Some("io_uring_prep_link_timeout")),
    (Release(0, 4), Some("io_uring_get_probe_ring")),
    (Release(0, 5), None),
    (Release(0, 6), Some("io_uring_prep_provide_buffers")),
    (Release(0, 7), Some("io_uring_cq_eventfd_toggle")),
    (Release(2, 0), Some("io_uring_prep_shutdown")),
    (Release(2, 1), Some("io_uring_mlock_size")),
    (Release(2, 2), Some("io_uring_buf_ring_add")),
    (Release(2, 3), Some("io_uring_get_events")),
    (Release(2, 4), Some("io_uring_major_version")),
    (Release(2, 5), Some("io_uring_prep_cmd_sock")),
    (Release(2, 6), Some("io_uring_prep_fixed_fd_install")),
    (Release(2, 7), Some("io_uring_prep_bind")),
    (Release(2, 8), Some("io_uring_prep_cmd_discard")),
    (Release(2, 9), Some("io_uring_register_region")),
    (Release(2, 10), Some("io_uring_prep_epoll_wait")),
    (Release(2, 11), Some("io_uring_memory_size")),
    (Release(2, 12), Some("io_uring_prep_pipe")),
    (Release(2, 13), Some("io_uring_prep_nop128")),
    (Release(2, 14), Some("IORING_SETUP_SQ_REWIND")),
    (Release(2, 15), Some("io_uring_register_bpf_filter")),
];

/// What the markers say about a header whose text (liburing.h and liburing/*.h) is `text`.
pub fn claim_from_markers(text: &str) -> Claim {
    let has = |word: &str| words::has_word(text, word);
    let newest = MARKERS
        .iter()
        .rposition(|(_, m)| m.is_some_and(&has))
        .unwrap_or(0);
    let lo = MARKERS[newest].0;
    // Up to the release before the next one with a marker of its own.
    let hi = MARKERS[newest + 1..]
        .iter()
        .position(|(_, m)| m.is_some())
        .map(|i| MARKERS[newest + i].0);
    match hi {
        Some(hi) if hi == lo => Claim::Exact(lo),
        Some(hi) => Claim::Range(lo, Some(hi)),
        None => Claim::Range(lo, None),
    }
}

/// The text of `liburing.h` and `liburing/*.h` under an include directory.
pub fn header_text(include: &Path) -> String {
    let mut text = std::fs::read_to_string(include.join("liburing.h")).unwrap_or_default();
    if let Ok(dir) = std::fs::read_dir(include.join("liburing")) {
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if f.extension().is_some_and(|e| e == "h") {
                text.push_str(&std::fs::read_to_string(&f).unwrap_or_default());
            }
        }
    }
    text
}

/// `IO_URING_VERSION_MAJOR` / `_MINOR` of `liburing/io_uring_version.h` (2.4+).
pub fn release_from_version_header(include: &Path) -> Option<Release> {
    let text = std::fs::read_to_string(include.join("liburing/io_uring_version.h")).ok()?;
    let num = |key: &str| -> Option<u32> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("#define")?.trim().strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
    };
    Some(Release(
        num("IO_URING_VERSION_MAJOR")?,
        num("IO_URING_VERSION_MINOR")?,
    ))
}

/// The shared object's file name, after following symlinks: `library` itself when it is a
/// shared object, else (a static `liburing.a`) the `liburing.so*` beside it, if any.
pub fn library_file_name(library: &Path) -> Option<String> {
    let name_of = |p: &Path| -> Option<String> {
        let real = std::fs::canonicalize(p).ok()?;
        Some(real.file_name()?.to_string_lossy().into_owned())
    };
    let file = library.file_name()?.to_string_lossy();
    if file.starts_with("liburing.so") {
        return name_of(library);
    }
    let dir = library.parent()?;
    let so = dir.join("liburing.so");
    if so.exists() {
        return name_of(&so);
    }
    let mut versioned: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| release_from_library_name(n).is_some())
        .collect();
    versioned.sort_by_key(|n| n.len());
    versioned.pop()
}

/// Everything a build can see, in order of trust.
pub struct Sources<'a> {
    pub env: Option<&'a str>,
    pub include: Option<&'a Path>,
    pub library: Option<&'a Path>,
    /// (source label, version) from pkg-config or a `.pc` file.
    pub pkg_config: Option<(&'a str, &'a str)>,
}

/// Gathers the evidence and decides.
pub fn decide(s: &Sources<'_>) -> Decision {
    let mut evidence = Vec::new();
    let mut push = |source: String, claim: Claim| evidence.push(Evidence { source, claim });
    if let Some(r) = s.env.and_then(Release::parse) {
        push("LIBURING_VERSION".into(), Claim::Exact(r));
    }
    if let Some(r) = s.include.and_then(release_from_version_header) {
        push("io_uring_version.h".into(), Claim::Exact(r));
    }
    if let Some(name) = s.library.and_then(library_file_name) {
        if let Some((a, b)) = release_from_library_name(&name) {
            push(
                format!("library file name {name}"),
                Claim::Exact(Release(a, b)),
            );
        }
    }
    if let Some(inc) = s.include {
        let text = header_text(inc);
        if !text.is_empty() {
            push("header markers".into(), claim_from_markers(&text));
        }
    }
    if let Some((source, v)) = s.pkg_config {
        if let Some(r) = Release::parse(v) {
            push(source.into(), Claim::Exact(r));
        }
    }
    decide_from(evidence)
}

/// The first exact claim wins; pkg-config only where the markers admit it; a range alone
/// gives its lower end.
pub fn decide_from(evidence: Vec<Evidence>) -> Decision {
    let markers = evidence.iter().find(|e| e.source == "header markers");
    let is_pc = |e: &Evidence| e.source.starts_with("pkg-config") || e.source.contains(".pc");
    let chosen = evidence
        .iter()
        .filter(|e| matches!(e.claim, Claim::Exact(_)))
        .find(|e| !is_pc(e) || markers.is_none_or(|m| m.claim.admits(release_of(e))))
        .or(markers)
        .or_else(|| evidence.iter().find(|e| is_pc(e)));
    let Some(chosen) = chosen.cloned() else {
        return Decision {
            version: None,
            source: "nothing tells (set LIBURING_VERSION)".into(),
            evidence,
            disagreements: Vec::new(),
        };
    };
    let version = match chosen.claim {
        Claim::Exact(r) | Claim::Range(r, _) => r,
    };
    let source = match chosen.claim {
        Claim::Exact(_) => chosen.source.clone(),
        Claim::Range(..) => format!(
            "{} ({}), the lowest they allow",
            chosen.source, chosen.claim
        ),
    };
    let disagreements = evidence
        .iter()
        .filter(|e| !e.claim.admits(version))
        .map(|e| {
            format!(
                "{} says {}, but {} says {version}",
                e.source, e.claim, chosen.source
            )
        })
        .collect();
    Decision {
        version: Some(version),
        source,
        evidence,
        disagreements,
    }
}

fn release_of(e: &Evidence) -> Release {
    match e.claim {
        Claim::Exact(r) | Claim::Range(r, _) => r,
    }
}
