//! One `Range: bytes=…` request header (RFC 9110 §14), against a file of known size.

/// What to send for a request's `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wanted {
    /// No usable range (none, several, or one this server does not read): the whole file, 200.
    Whole,
    /// Bytes `start..=end`, 206.
    Part { start: u64, end: u64 },
    /// A range that starts past the end, 416.
    Unsatisfiable,
}

/// Reads a `Range` header value for a file of `size` bytes. Several ranges, other units and
/// malformed values are ignored (the whole file is sent), as RFC 9110 allows.
pub(super) fn wanted(header: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let number = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (number(first), number(last), last.trim().is_empty()) {
        // bytes=-N: the last N bytes.
        (None, Some(n), _) if first.trim().is_empty() => {
            if n == 0 || size == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part {
                    start: size.saturating_sub(n),
                    end: size - 1,
                }
            }
        }
        (Some(start), None, true) if start < size => Wanted::Part {
            start,
            end: size - 1,
        },
        (Some(start), Some(end), _) if start <= end && start < size => Wanted::Part {
            start,
            end: end.min(size - 1),
        },
        (Some(start), _, _)
            if start >= size
                && (last.trim().is_empty() || number(last).is_some_and(|end| start <= end)) =>
        {
            Wanted::Unsatisfiable
        }
        _ => Wanted::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        use Wanted::*;
        let part = |start, end| Part { start, end };
        let cases = [
            (None, Whole),
            (Some("bytes=0-0"), part(0, 0)),
            (Some("bytes=2-5"), part(2, 5)),
            (Some("bytes=2-"), part(2, 9)),
            (Some("bytes=5-100"), part(5, 9)),
            (Some("bytes=-3"), part(7, 9)),
            (Some("bytes=-30"), part(0, 9)),
            (Some("bytes=10-"), Unsatisfiable),
            (Some("bytes=10-20"), Unsatisfiable),
            (Some("bytes=-0"), Unsatisfiable),
            (Some("bytes=5-2"), Whole),
            (Some("bytes=0-1,4-5"), Whole),
            (Some("bytes=x-1"), Whole),
            (Some("bytes=+1-2"), Whole),
            (Some("items=0-1"), Whole),
            (Some("bytes="), Whole),
            (Some("bytes=-"), Whole),
            (Some("bytes=99999999999999999999999-"), Whole),
        ];
        for (header, want) in cases {
            assert_eq!(wanted(header, 10), want, "{header:?}");
        }
        assert_eq!(wanted(Some("bytes=0-"), 0), Unsatisfiable);
    }
}
