//! What dropping a track's edit list does to its presentation, and how postcal keeps audio and
//! video together when it does.
//!
//! An edit list maps the movie's timeline onto a track's media timeline. Encoders write one to
//! hide a start-up delay that lives in the media itself:
//!
//! - **B-frame delay** (x264 through ffmpeg): frames are stored in decode order and the first
//!   frame's composition time (`ctts`) is one or more frame durations after 0, so the edit's
//!   `media_time` is that delay (e.g. 2 frames), and the picture starts at movie time 0.
//! - **AAC priming**: an AAC encoder emits 1024 (ffmpeg) or 2112 (Apple) samples of priming
//!   before the sound; `media_time` skips them.
//! - An **empty edit** (`media_time` = -1) delays a track: it starts later than the movie.
//!
//! Without the edit list every track starts at media time 0, so each track's content moves by
//! its *shift* = `media_time` − empty-edit duration (later if positive). Shifts differ between
//! tracks (≈67 ms of B-frame delay vs ≈21 ms of priming), which would move the picture against
//! the sound. postcal evens them out without touching a sample's bytes:
//!
//! 1. a track with composition offsets moves *earlier* by subtracting up to its smallest offset
//!    from every `ctts` entry (offsets stay non-negative, so `ctts` version 0 stays valid for
//!    every player);
//! 2. a track still ahead of the others moves *later* by lengthening its first sample in `stts`
//!    (for AAC that sample is priming, i.e. silence). This is what `ffmpeg -c copy
//!    -use_editlist 0` does, the remux Meta's own help points people to.
//!
//! The common shift chosen is the smallest one step 1 can reach, so content lands as close as
//! possible to where the edit lists put it (usually within a frame), and audio and video end
//! up together to within one media unit.
//!
//! # Errors
//! Edit lists that do more than hide a start-up delay are refused rather than dropped, because
//! dropping them would publish material the author cut: more than one media segment, a rate
//! other than 1, or a cut of more than [`MAX_CUT_NS`] at either end. A remux that would still
//! leave audio and video more than [`MAX_SYNC_ERROR_NS`] apart is refused too (a guard: the two
//! moves above always meet).

use super::RemuxError;

/// The most media an edit may hide at the start or the end (trimmed) and still be dropped:
/// encoder delays and priming are a few frames, a trim by an editor is usually far more.
pub(super) const MAX_CUT_NS: i128 = 500_000_000;

/// How far apart audio and video may end up: 45 ms, the point where ITU-R BT.1359 finds sound
/// ahead of picture detectable.
pub(super) const MAX_SYNC_ERROR_NS: i128 = 45_000_000;

const NS: i128 = 1_000_000_000;

/// One `elst` entry; `media_time` -1 is an empty edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Edit {
    /// In the movie's timescale.
    pub segment_duration: u64,
    /// In the track's media timescale.
    pub media_time: i64,
    /// 16.16 fixed point; 1.0 is `0x0001_0000`.
    pub rate: i32,
}

/// What one track's timing is, for the sync computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TrackTiming {
    pub movie_timescale: u32,
    pub media_timescale: u32,
    pub media_duration: u64,
    /// The smallest composition offset (`ctts`), 0 without `ctts` or when negative.
    pub min_composition_offset: u64,
    /// Audio or video: only those are kept in sync with each other.
    pub av: bool,
}

/// How far a track's content moves (ns, later when positive) when its edit list is dropped.
pub(super) fn shift_ns(edits: &[Edit], t: &TrackTiming, track: u32) -> Result<i128, RemuxError> {
    let complex = |why: String| RemuxError::EditList { track, why };
    if t.movie_timescale == 0 || t.media_timescale == 0 {
        return Err(complex("its timescale is 0".into()));
    }
    let mut empty: u64 = 0;
    let mut media: Option<&Edit> = None;
    for edit in edits {
        match (edit.media_time, media) {
            (-1, None) => empty = empty.saturating_add(edit.segment_duration),
            (-1, Some(_)) => return Err(complex("it pauses the track after it started".into())),
            (t, _) if t < 0 => return Err(complex(format!("an edit starts at media time {t}"))),
            (_, None) => media = Some(edit),
            (_, Some(_)) => return Err(complex("it plays more than one segment".into())),
        }
    }
    let Some(edit) = media else {
        // Only empty edits, or none: nothing of the track is shown, or everything is.
        return if empty == 0 {
            Ok(0)
        } else {
            Err(complex("it shows nothing of the track".into()))
        };
    };
    if edit.rate != 0x0001_0000 {
        return Err(complex(format!(
            "it plays the track at {}× speed",
            f64::from(edit.rate) / 65536.0
        )));
    }
    let media_ns = |units: i128| units * NS / i128::from(t.media_timescale);
    let movie_ns = |units: i128| units * NS / i128::from(t.movie_timescale);
    let head = media_ns(i128::from(edit.media_time));
    if head > MAX_CUT_NS {
        return Err(complex(format!(
            "it cuts {} ms from the start",
            head / 1_000_000
        )));
    }
    // A segment of 0 runs to the end of the media (QuickTime writers do this).
    if edit.segment_duration > 0 && t.media_duration > 0 {
        let shown = movie_ns(i128::from(edit.segment_duration));
        let tail = media_ns(i128::from(t.media_duration)) - head - shown;
        if tail > MAX_CUT_NS {
            return Err(complex(format!(
                "it cuts {} ms from the end",
                tail / 1_000_000
            )));
        }
    }
    Ok(head - movie_ns(i128::from(empty)))
}

/// How one track is moved, in its media timescale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Move {
    /// Subtracted from every composition offset (`ctts`): the track is presented earlier.
    pub earlier: u64,
    /// Added to the first sample's duration (`stts`): every later sample comes later.
    pub later: u64,
}

/// How to move each track so that the tracks' shifts (`shifts`, ns) end up equal, as close to
/// where the edit lists had them as possible; and the spread (ns) that remains between the
/// audio and video tracks.
///
/// Tracks move earlier only as far as their composition offsets allow (they stay
/// non-negative); tracks still ahead of the others then move later by lengthening their first
/// sample, which is what `ffmpeg -c copy -use_editlist 0` does with AAC priming.
pub(super) fn even_out(shifts: &[i128], timings: &[TrackTiming]) -> (Vec<Move>, i128) {
    let cap_ns = |t: &TrackTiming| to_ns(t.min_composition_offset, t);
    let av = || shifts.iter().zip(timings).filter(|(_, t)| t.av);
    // The smallest shift every track can reach by moving earlier, but not below where the
    // tracks were: a file without edit lists is left as it is.
    let reachable = av().map(|(s, t)| s - cap_ns(t)).max().unwrap_or(0);
    let floor = av().map(|(s, _)| *s).min().unwrap_or(0).min(0);
    let target = reachable.max(floor);
    let mut moves = Vec::with_capacity(shifts.len());
    let mut after = Vec::new();
    for (&shift, t) in shifts.iter().zip(timings) {
        if !t.av {
            moves.push(Move::default());
            continue;
        }
        let units = |ns: i128| {
            let scaled = (ns * i128::from(t.media_timescale) + NS / 2) / NS;
            u64::try_from(scaled).unwrap_or(0)
        };
        let m = if shift > target {
            Move {
                earlier: units(shift - target).min(t.min_composition_offset),
                later: 0,
            }
        } else {
            Move {
                earlier: 0,
                later: units(target - shift),
            }
        };
        after.push(shift - to_ns(m.earlier, t) + to_ns(m.later, t));
        moves.push(m);
    }
    let spread = match (after.iter().min(), after.iter().max()) {
        (Some(lo), Some(hi)) => hi - lo,
        _ => 0,
    };
    (moves, spread)
}

fn to_ns(units: u64, t: &TrackTiming) -> i128 {
    i128::from(units) * NS / i128::from(t.media_timescale.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(media_timescale: u32, min_offset: u64) -> TrackTiming {
        TrackTiming {
            movie_timescale: 1000,
            media_timescale,
            media_duration: 0,
            min_composition_offset: min_offset,
            av: true,
        }
    }

    fn edit(segment_duration: u64, media_time: i64) -> Edit {
        Edit {
            segment_duration,
            media_time,
            rate: 0x0001_0000,
        }
    }

    #[test]
    fn encoder_delays_become_shifts() {
        // ffmpeg: 2 frames of B-frame delay at 30 fps (timescale 15360), 1024 samples of priming.
        let video = timing(15_360, 512);
        assert_eq!(
            shift_ns(&[edit(3000, 1024)], &video, 1).ok(),
            Some(66_666_666)
        );
        let audio = timing(48_000, 0);
        assert_eq!(
            shift_ns(&[edit(3000, 1024)], &audio, 2).ok(),
            Some(21_333_333)
        );
        // An empty edit of 100 ms before the media: the track moves earlier.
        let delayed = shift_ns(&[edit(100, -1), edit(3000, 0)], &audio, 2);
        assert_eq!(delayed.ok(), Some(-100_000_000));
        assert_eq!(shift_ns(&[], &audio, 2).ok(), Some(0));
    }

    #[test]
    fn real_edits_are_refused() {
        let t = TrackTiming {
            media_duration: 48_000 * 10,
            ..timing(48_000, 0)
        };
        let cases = [
            (
                vec![edit(1000, 0), edit(1000, 96_000)],
                "more than one segment",
            ),
            (vec![edit(3000, 48_000)], "cuts 1000 ms from the start"),
            (vec![edit(3000, 0)], "cuts 7000 ms from the end"),
            (vec![edit(0, 0), edit(10, -1)], "pauses"),
            (vec![edit(1000, -1)], "shows nothing"),
            (
                vec![Edit {
                    rate: 0x0002_0000,
                    ..edit(5000, 0)
                }],
                "2× speed",
            ),
        ];
        for (edits, want) in cases {
            let err = shift_ns(&edits, &t, 7).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("track 7"), "{err}");
        }
    }

    fn earlier(n: u64) -> Move {
        Move {
            earlier: n,
            later: 0,
        }
    }

    fn later(n: u64) -> Move {
        Move {
            earlier: 0,
            later: n,
        }
    }

    #[test]
    fn video_moves_earlier_and_audio_later_to_meet() {
        let timings = [timing(15_360, 512), timing(48_000, 0)];
        // Video 66.7 ms late, audio 21.3 ms late; video can move 33.3 ms (512 units) earlier,
        // audio then waits 12 ms (576 samples) more.
        let (moves, spread) = even_out(&[66_666_666, 21_333_333], &timings);
        assert_eq!(moves, vec![earlier(512), later(576)]);
        assert!(spread < 50_000, "{spread}");
        // With room enough the video meets the audio alone.
        let roomy = [timing(15_360, 1024), timing(48_000, 0)];
        let (moves, spread) = even_out(&[66_666_666, 21_333_333], &roomy);
        assert_eq!(moves, vec![earlier(696), later(0)]);
        assert!(spread < 100_000, "{spread}");
        // No room at all (B-pyramids have a 0 offset): the audio waits for the video, as
        // ffmpeg -use_editlist 0 makes it (2504 samples at 44.1 kHz).
        let tight = [timing(12_800, 0), timing(44_100, 0)];
        let (moves, _) = even_out(&[80_000_000, 23_219_954], &tight);
        assert_eq!(moves, vec![later(0), later(2504)]);
    }

    #[test]
    fn a_lone_video_track_moves_back_to_zero_as_far_as_it_can() {
        let (moves, spread) = even_out(&[66_666_666], &[timing(15_360, 512)]);
        assert_eq!(moves, vec![earlier(512)]);
        assert_eq!(spread, 0);
        let (moves, _) = even_out(&[0, 0], &[timing(15_360, 512), timing(48_000, 0)]);
        assert_eq!(
            moves,
            vec![Move::default(); 2],
            "no edit list: nothing to undo"
        );
    }

    #[test]
    fn a_delayed_audio_track_keeps_its_delay() {
        // An empty edit started the audio 100 ms late: without it the audio moves 100 ms
        // earlier, so the video meets it part way and the audio waits the rest.
        let (moves, spread) = even_out(
            &[0, -100_000_000],
            &[timing(15_360, 512), timing(48_000, 0)],
        );
        assert_eq!(moves, vec![earlier(512), later(3200)]);
        assert!(spread < 50_000, "{spread}");
    }
}
