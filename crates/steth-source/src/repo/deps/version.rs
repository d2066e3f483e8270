//! Each ecosystem's own version order: semver for npm and crates.io, Go's semver with
//! pseudo-versions, PEP 440 for PyPI, and RubyGems' segment order (also used for Packagist).

use std::cmp::Ordering;

/// Compares two versions of a package of `ecosystem`; `None` when either does not parse.
pub(super) fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    match ecosystem {
        "npm" | "crates.io" => Some(semver(a)?.cmp(&semver(b)?)),
        // Go versions are semver with a `v`; a pseudo-version `v0.0.0-20210405180319-a5a99cb`
        // is a prerelease whose timestamp orders it, which semver's prerelease order does.
        "Go" => Some(semver(go(a))?.cmp(&semver(go(b))?)),
        "PyPI" => Some(pep440(a)?.cmp(&pep440(b)?)),
        _ => Some(compare_segments(&segments(a), &segments(b))),
    }
}

fn go(v: &str) -> &str {
    v.trim_end_matches("+incompatible")
}

fn semver(v: &str) -> Option<semver::Version> {
    semver::Version::parse(v.trim().trim_start_matches(['v', '='])).ok()
}

/// A PEP 440 version as its sort key: epoch, release (trailing zeros dropped), pre-release,
/// post-release, dev-release; local versions compare after their public part.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    pre: (u8, u64),
    post: (u8, u64),
    dev: (u8, u64),
    local: String,
}

fn pep440(v: &str) -> Option<Pep440> {
    let v = v.trim().to_ascii_lowercase();
    let v = v.trim_start_matches('v');
    let (public, local) = v.split_once('+').unwrap_or((v, ""));
    let (epoch, rest) = match public.split_once('!') {
        Some((e, r)) => (e.parse().ok()?, r),
        None => (0, public),
    };
    let digits_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let (release, mut tail) = rest.split_at(digits_end);
    let mut release: Vec<u64> =
        release.trim_end_matches('.').split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let mut take = |names: &[&str]| -> Option<u64> {
        let t = tail.trim_start_matches(['.', '-', '_']);
        let name = names.iter().find(|n| t.starts_with(**n))?;
        let t = t[name.len()..].trim_start_matches(['.', '-', '_']);
        let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let n = t[..end].parse().unwrap_or(0);
        tail = &t[end..];
        Some(n)
    };
    let pre = if let Some(n) = take(&["alpha", "a"]) {
        Some((0, n))
    } else if let Some(n) = take(&["beta", "b"]) {
        Some((1, n))
    } else {
        take(&["rc", "c", "preview", "pre"]).map(|n| (2, n))
    };
    let post = take(&["post", "rev", "r"]);
    let dev = take(&["dev"]);
    if !tail.is_empty() {
        return None;
    }
    // Order within a release: dev < a < b < rc < final < post; a bare `.devN` sorts first.
    let pre = match (pre, post, dev) {
        (Some(p), _, _) => (p.0 + 1, p.1),
        (None, None, Some(_)) => (0, 0),
        (None, _, _) => (4, 0),
    };
    let post = post.map_or((0, 0), |n| (1, n));
    let dev = dev.map_or((1, 0), |n| (0, n));
    Some(Pep440 { epoch, release, pre, post, dev, local: local.to_string() })
}

/// A segment: a number, or a word, which sorts before any number (a pre-release).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Word(String),
    Number(u64),
}

/// RubyGems-style segments with trailing zeros dropped: `1.2.0` = `1.2`, `1.2.a` < `1.2`.
fn segments(v: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in v.trim().trim_start_matches('v').split(['.', '-', '+', '_']) {
        let mut rest = part;
        while !rest.is_empty() {
            let digits = rest.starts_with(|c: char| c.is_ascii_digit());
            let end = rest.find(|c: char| c.is_ascii_digit() != digits).unwrap_or(rest.len());
            let (seg, r) = rest.split_at(end);
            out.push(match seg.parse() {
                Ok(n) if digits => Segment::Number(n),
                _ => Segment::Word(seg.to_ascii_lowercase()),
            });
            rest = r;
        }
    }
    // Zeros before the first word carry no order (`1.0.rc1` = `1.rc1`), as in RubyGems.
    let first_word = out.iter().position(|s| matches!(s, Segment::Word(_))).unwrap_or(out.len());
    let mut end = first_word;
    while end > 1 && out[end - 1] == Segment::Number(0) {
        end -= 1;
    }
    out.drain(end..first_word);
    out
}

/// Segment order with missing segments read as 0, so `1.0.a` < `1.0` < `1.0.1`.
fn compare_segments(a: &[Segment], b: &[Segment]) -> Ordering {
    let zero = Segment::Number(0);
    (0..a.len().max(b.len()))
        .map(|i| a.get(i).unwrap_or(&zero).cmp(b.get(i).unwrap_or(&zero)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[track_caller]
    fn ord(eco: &str, a: &str, b: &str) -> Ordering {
        compare(eco, a, b).unwrap_or_else(|| panic!("{a} or {b} does not parse"))
    }

    #[test]
    fn semver_orders_prereleases_and_numbers() {
        assert_eq!(ord("npm", "1.10.0", "1.9.0"), Greater);
        assert_eq!(ord("npm", "2.0.0-rc.1", "2.0.0"), Less);
        assert_eq!(ord("crates.io", "0.1.40", "0.1.41"), Less);
        assert_eq!(compare("npm", "not-a-version", "1.0.0"), None);
    }

    #[test]
    fn go_pseudo_versions_order_by_base_then_time() {
        assert_eq!(ord("Go", "v0.0.0-20210405180319-a5a99cb37ef4", "v0.0.0-20211209124913-491a49abca63"), Less);
        assert_eq!(ord("Go", "v0.0.0-20211209124913-491a49abca63", "0.1.0"), Less);
        assert_eq!(ord("Go", "v1.2.4-0.20210101000000-abcdefabcdef", "1.2.3"), Greater);
        assert_eq!(ord("Go", "v1.2.4-0.20210101000000-abcdefabcdef", "1.2.4"), Less);
        assert_eq!(ord("Go", "v2.0.0+incompatible", "2.0.0"), Equal);
    }

    #[test]
    fn pep440_orders_dev_pre_final_post() {
        let chain =
            ["1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1!0.1"];
        for w in chain.windows(2) {
            assert_eq!(ord("PyPI", w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(ord("PyPI", "1.0.0", "1.0"), Equal);
        assert_eq!(ord("PyPI", "2.11.2", "2.11.3"), Less);
        assert_eq!(ord("PyPI", "1.0.0-RC1", "1.0rc1"), Equal);
    }

    #[test]
    fn odd_versions_compare_without_panicking() {
        for a in ["", "v", "é", "1!", "!1", "1.0.dev", "1.0a", "0.0.0-", "1..2", "1.0+é", "99999999999999999999999"] {
            for eco in ["npm", "crates.io", "Go", "PyPI", "RubyGems"] {
                let _ = compare(eco, a, "1.0.0");
            }
        }
    }

    #[test]
    fn gem_segments_put_words_before_numbers() {
        assert_eq!(ord("RubyGems", "1.11.0.rc1", "1.11.0"), Less);
        assert_eq!(ord("RubyGems", "1.10.10", "1.10.9"), Greater);
        assert_eq!(ord("RubyGems", "2.2", "2.2.0"), Equal);
    }
}
