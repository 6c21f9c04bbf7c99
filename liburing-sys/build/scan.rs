//! What the installed liburing.h defines, read from the *preprocessed* header so that
//! `#if` branches are already resolved: the `static inline` helpers (which the shim must turn
//! into real symbols) and the out-of-line functions it declares (which the library may or may
//! not export). This is independent of bindgen, so a test can compare the two.

/// One function of liburing's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// `static inline` with a body in the header.
    pub inline: bool,
}

/// Keeps only the text that came from liburing's own headers (`liburing.h`, `liburing/*.h`),
/// using the preprocessor's line markers.
pub fn liburing_text(preprocessed: &str) -> String {
    let mut keep = false;
    let mut out = String::new();
    for line in preprocessed.lines() {
        if let Some(rest) = line
            .strip_prefix("# ")
            .or_else(|| line.strip_prefix("#line "))
        {
            if let Some(q) = rest.find('"') {
                let file = rest[q + 1..].split('"').next().unwrap_or("");
                keep = file.ends_with("/liburing.h")
                    || file == "liburing.h"
                    || file.contains("/liburing/")
                    || file.starts_with("liburing/");
            }
            continue;
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Removes `__attribute__((...))` and `__asm__(...)` so that the name before the first
/// parenthesis is the function's.
fn strip_attributes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["__attribute__", "__asm__", "__asm"]
            .iter()
            .filter_map(|k| rest.find(k).map(|i| (i, k.len())))
            .min();
        let Some((at, klen)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let after = &rest[at + klen..];
        let Some(open) = after.find('(') else {
            out.push_str(&rest[at..]);
            return out;
        };
        if !after[..open].trim().is_empty() {
            // A name that merely starts with the keyword.
            out.push_str(&rest[at..at + klen]);
            rest = after;
            continue;
        }
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after.char_indices().skip(open) {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push(' ');
        rest = &after[end..];
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The function named by a top-level item (`head` is the text before its body or `;`).
fn function_of(head: &str, has_body: bool) -> Option<Function> {
    let head = head.trim();
    let first_word = head.split(|c: char| !is_ident(c)).next().unwrap_or("");
    if matches!(first_word, "typedef" | "struct" | "union" | "enum") && !head.contains('(') {
        return None;
    }
    if first_word == "typedef" {
        return None;
    }
    let paren = head.find('(')?;
    let before = head[..paren].trim_end();
    let name: String = before
        .chars()
        .rev()
        .take_while(|&c| is_ident(c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if name.is_empty() || name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let words: Vec<&str> = before.split(|c: char| !is_ident(c)).collect();
    let inline = has_body
        && words
            .iter()
            .any(|w| matches!(*w, "inline" | "__inline" | "__inline__"));
    Some(Function { name, inline })
}

/// Every function that liburing's (preprocessed) headers define inline or declare.
pub fn functions(liburing_text: &str) -> Vec<Function> {
    let text = strip_attributes(liburing_text);
    let mut out: Vec<Function> = Vec::new();
    let mut item = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' => {
                if let Some(f) = function_of(&item, false) {
                    out.push(f);
                }
                item.clear();
            }
            '{' => {
                let is_function = item.contains('(') && !item.trim_start().starts_with("typedef");
                // Skip the balanced body (strings and chars cannot hide braces from us).
                let mut depth = 1usize;
                let mut quote: Option<char> = None;
                let mut prev = '\0';
                for b in chars.by_ref() {
                    match quote {
                        Some(q) => {
                            if b == q && prev != '\\' {
                                quote = None;
                            }
                        }
                        None => match b {
                            '"' | '\'' => quote = Some(b),
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        },
                    }
                    prev = if prev == '\\' && b == '\\' { '\0' } else { b };
                }
                if is_function {
                    if let Some(f) = function_of(&item, true) {
                        out.push(f);
                    }
                    item.clear();
                } else {
                    // struct/union/enum body: the item ends at the next ';'.
                    item.push_str(" {} ");
                }
            }
            _ => item.push(c),
        }
    }
    // A prototype before the definition would count twice.
    let mut seen = std::collections::HashSet::new();
    let mut dedup: Vec<Function> = Vec::new();
    for f in out.into_iter().rev() {
        if seen.insert(f.name.clone()) {
            dedup.push(f);
        } else if f.inline {
            if let Some(d) = dedup.iter_mut().find(|d| d.name == f.name) {
                d.inline = true;
            }
        }
    }
    dedup.reverse();
    dedup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_and_declared() {
        let src = r#"
struct io_uring_sq { unsigned *khead; };
int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags);
static inline __attribute__((always_inline)) struct io_uring_sqe *io_uring_get_sqe(struct io_uring *ring)
{ if (x) { return 0; } return "}"; }
typedef void (*cb)(int);
static inline void io_uring_prep_nop(struct io_uring_sqe *sqe) { sqe->x = '{'; }
"#;
        let f = functions(src);
        let names: Vec<_> = f.iter().map(|f| (f.name.as_str(), f.inline)).collect();
        assert_eq!(
            names,
            vec![
                ("io_uring_queue_init", false),
                ("io_uring_get_sqe", true),
                ("io_uring_prep_nop", true)
            ]
        );
    }
}
