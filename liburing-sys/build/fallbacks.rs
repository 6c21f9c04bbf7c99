//! The one table of fallbacks is `wrapper.h`: kernel ABI values that older liburing headers
//! lack, each defined only where the installed header does not have it. Macros are tested
//! with `#ifndef NAME`; enumerators (opcodes, register opcodes...) cannot be, so they are
//! written under `#if !defined(NAME) && !defined(URING_HAVE_NAME)` (older headers had some
//! as macros), and the build defines `URING_HAVE_NAME` for every enumerator the installed
//! header already has.
//!
//! Plain functions over text, so that the safe crate's `tests/sys_fallbacks.rs` can include
//! this file and read the same table.

// Tests include this file on its own, so it brings its own copy.
#[allow(clippy::duplicate_mod)]
#[path = "words.rs"]
mod words;
pub use words::has_word;

/// The prefix of the build's "the header has this enumerator" defines.
pub const HAVE_PREFIX: &str = "URING_HAVE_";

/// Every name `wrapper.h` provides a fallback for: `#ifndef NAME` followed by
/// `#define NAME`, and the enumerators.
#[allow(dead_code)] // the build needs only the enumerators; the safe crate's test reads all
pub fn names(wrapper: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = wrapper.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if let Some(e) = enumerator(line) {
            out.push(e.to_owned());
            continue;
        }
        let Some(name) = line.strip_prefix("#ifndef").map(str::trim) else {
            continue;
        };
        if lines
            .peek()
            .and_then(|l| l.strip_prefix("#define"))
            .is_some_and(|d| d.split_whitespace().next() == Some(name))
        {
            out.push(name.to_owned());
        }
    }
    out
}

/// The enumerator a `#if !defined(NAME) && !defined(URING_HAVE_NAME)` line guards.
fn enumerator(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("#if")?;
    let at = rest.find(HAVE_PREFIX)? + HAVE_PREFIX.len();
    let name = &rest[at..];
    let end = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    Some(&name[..end])
}

/// The enumerator fallbacks of `wrapper.h`.
pub fn enumerators(wrapper: &str) -> Vec<String> {
    wrapper
        .lines()
        .filter_map(|l| enumerator(l.trim()))
        .map(str::to_owned)
        .collect()
}

/// Which of `enumerators` the installed header already has, given the text of liburing's
/// own headers (preprocessed): those get `-DURING_HAVE_NAME`.
pub fn present<'a>(enumerators: &'a [String], liburing_text: &str) -> Vec<&'a str> {
    enumerators
        .iter()
        .map(String::as_str)
        .filter(|name| has_word(liburing_text, name))
        .collect()
}
