//! Platform limits as data, and the checks that hold a probed media file against them.
//!
//! Each platform file keeps its numbers in one table of [`Limit`]s (value, diagnostic code,
//! source). The image and video specifications ([`ImageLimits`], [`VideoLimits`]) are checked
//! here, once for all platforms, so every platform words the same problem the same way.
//!
//! Sizes: the sources say "MB" and "GB"; Instagram's own error for its "8 MB" limit says
//! "8 MiB" (IG-ERR 2207004), so postcal reads every MB as MiB and GB as GiB.

mod check;

pub use check::{check_image, check_video};

use crate::diag::group_digits as group;
use crate::diag::{Code, Diagnostic, Span};
use crate::media::{MediaFormat, VideoCodec};

pub const MIB: u64 = 1024 * 1024;
pub const GIB: u64 = 1024 * MIB;

/// One limit: its value, the code of the diagnostic when it is broken, and where the number
/// comes from (a docs/platform-rules.md section and source key).
#[derive(Debug, Clone, Copy)]
pub struct Limit<T> {
    pub value: T,
    pub code: Code,
    /// docs/platform-rules.md section and source key; for unverified limits, written for users
    /// ("Mixpost's cap (docs/platform-rules.md §3)"), as warnings quote it.
    pub source: &'static str,
    pub strength: Strength,
}

/// How sure postcal is that breaking a limit gets the post refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// From the platform's own documentation: an error.
    Official,
    /// Only third-party or outdated sources give the number: a warning.
    Unverified,
    /// Official, but unclear how the platform applies it (the reason says why): a warning.
    Unclear(&'static str),
}

impl<T> Limit<T> {
    pub const fn official(value: T, code: Code, source: &'static str) -> Self {
        Self {
            value,
            code,
            source,
            strength: Strength::Official,
        }
    }

    pub const fn unverified(value: T, code: Code, source: &'static str) -> Self {
        Self {
            value,
            code,
            source,
            strength: Strength::Unverified,
        }
    }

    pub const fn unclear(value: T, code: Code, source: &'static str, why: &'static str) -> Self {
        Self {
            value,
            code,
            source,
            strength: Strength::Unclear(why),
        }
    }

    /// The same limit with another value (a per-account cap).
    pub fn with_value<U>(&self, value: U) -> Limit<U> {
        Limit {
            value,
            code: self.code,
            source: self.source,
            strength: self.strength,
        }
    }

    /// The diagnostic for breaking this limit: an error, or a warning whose help says why the
    /// limit is not certain.
    pub fn report(
        &self,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        let mut help = help.into();
        let d = match self.strength {
            Strength::Official => Diagnostic::error(self.code, message),
            Strength::Unverified => {
                help.push_str(&format!(
                    " (this limit is only known from {}, so the post may publish anyway)",
                    self.source
                ));
                Diagnostic::warning(self.code, message)
            }
            Strength::Unclear(why) => {
                help.push_str(&format!(" ({why})"));
                Diagnostic::warning(self.code, message)
            }
        };
        d.at(span, label).help(help)
    }
}

/// An aspect-ratio range, width:height, written as the platform writes it (4:5, 1.91:1).
#[derive(Debug, Clone, Copy)]
pub struct Aspect {
    pub min: (f64, f64),
    pub max: (f64, f64),
}

impl Aspect {
    /// Whether `width`×`height` is inside the range, compared exactly. Meta's own link-image
    /// size 1200×628 is 1.9108:1, just past 1.91:1: whether Instagram rounds is not
    /// documented, so postcal takes the strict reading, as the sandbox does (a post that
    /// validates must not be refused when it is published). 1200×630 fits.
    pub fn contains(&self, width: u32, height: u32) -> bool {
        if width == 0 || height == 0 {
            return false;
        }
        // Cross-multiplied, so no rounding decides: w/h >= a/b  <=>  w*b >= a*h.
        let (w, h) = (f64::from(width), f64::from(height));
        w * self.min.1 >= self.min.0 * h && w * self.max.1 <= self.max.0 * h
    }

    pub fn describe(&self) -> String {
        format!(
            "{}:{} and {}:{}",
            num(self.min.0),
            num(self.min.1),
            num(self.max.0),
            num(self.max.1)
        )
    }
}

/// What a platform accepts as an image.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Names the images in messages: "Instagram feed images".
    pub what: &'static str,
    /// Formats accepted as they are.
    pub formats: Limit<&'static [MediaFormat]>,
    /// Formats postcal converts to JPEG before publishing: a warning, whatever the source.
    pub converted: Option<Limit<&'static [MediaFormat]>>,
    pub max_bytes: Option<Limit<u64>>,
    pub aspect: Option<Limit<Aspect>>,
    /// Largest long side × short side.
    pub max_pixels: Option<Limit<(u32, u32)>>,
}

/// What a platform accepts as a video.
#[derive(Debug, Clone, Copy)]
pub struct VideoLimits {
    /// Names the videos in messages: "Instagram reels".
    pub what: &'static str,
    /// `None`: every video format postcal reads (MP4, MOV, WebM).
    pub formats: Option<Limit<&'static [MediaFormat]>>,
    pub codecs: Option<Limit<&'static [VideoCodec]>>,
    pub min_ms: Option<Limit<u64>>,
    pub max_ms: Option<Limit<u64>>,
    pub max_bytes: Option<Limit<u64>>,
    /// Frames per second, inclusive.
    pub fps: Option<Limit<(f64, f64)>>,
    pub max_width: Option<Limit<u32>>,
    /// Smallest and largest side, in pixels.
    pub sides: Option<Limit<(u32, u32)>>,
    pub aspect: Option<Limit<Aspect>>,
    /// `moov` must precede `mdat`. postcal remuxes a file that breaks it, so breaking it is a
    /// warning; `media::stage::need_for` reads this field to decide to remux.
    pub fast_start: Option<Limit<()>>,
    /// No edit lists (`elst`). postcal drops them (a warning), as for `fast_start`.
    pub no_edit_list: Option<Limit<()>>,
    /// AAC audio, at most this sample rate and channel count.
    pub audio: Option<Limit<(u32, u16)>>,
}

/// A count for messages: `2,200`.
pub fn n(value: usize) -> String {
    group(value as u64)
}

/// `1 photo`, `3 photos`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", n(count))
    }
}

/// `JPEG`, `JPEG or PNG`, `MP4, QuickTime MOV or WebM`.
pub fn formats(list: &[MediaFormat]) -> String {
    or_list(list.iter().map(|f| f.name().to_owned()))
}

fn or_list(items: impl Iterator<Item = impl Into<String>>) -> String {
    let items: Vec<String> = items.map(Into::into).collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub fn codec_name(codec: &VideoCodec) -> String {
    match codec {
        VideoCodec::H264 => "H.264".to_owned(),
        VideoCodec::Hevc => "HEVC (H.265)".to_owned(),
        VideoCodec::Vp8 => "VP8".to_owned(),
        VideoCodec::Vp9 => "VP9".to_owned(),
        VideoCodec::Av1 => "AV1".to_owned(),
        VideoCodec::Other(fourcc) => format!("`{fourcc}`"),
    }
}

/// A number without trailing zeros: 4, 1.91, 23.976.
pub fn num(value: f64) -> String {
    let s = format!("{value:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A measured size, exact: `9.2 MiB (9,646,899 bytes)`.
pub fn size(bytes: u64) -> String {
    format!("{} ({} bytes)", round_size(bytes), group(bytes))
}

/// A size in the largest binary unit that fits: `8 MiB`, `1.5 GiB`, `512 KiB`.
pub fn round_size(bytes: u64) -> String {
    let b = bytes as f64;
    let g = GIB as f64;
    let m = MIB as f64;
    if b >= g {
        format!("{} GiB", one_decimal(b / g))
    } else if b >= m {
        format!("{} MiB", one_decimal(b / m))
    } else {
        format!("{} KiB", one_decimal(b / 1024.0))
    }
}

fn one_decimal(value: f64) -> String {
    let s = format!("{value:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

/// `2.5 s`, `60 s`, `15 min`, `16 min 2.04 s`.
pub fn duration(ms: u64) -> String {
    let secs = |ms: u64| num(ms as f64 / 1000.0);
    if ms <= 60_000 {
        return format!("{} s", secs(ms));
    }
    let (min, rest) = (ms / 60_000, ms % 60_000);
    if rest == 0 {
        format!("{min} min")
    } else {
        format!("{min} min {} s", secs(rest))
    }
}

/// Width / height to two decimals: `0.56`, `1.91`.
fn ratio(w: u32, h: u32) -> String {
    if h == 0 {
        return "∞".to_owned();
    }
    format!("{:.2}", f64::from(w) / f64::from(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspect_ranges_are_compared_exactly() {
        let feed = Aspect {
            min: (4.0, 5.0),
            max: (1.91, 1.0),
        };
        for (w, h, inside) in [
            (1080, 1350, true),
            (1080, 1080, true),
            (1200, 628, false), // 1.9108:1, Meta's own link-image size: past 1.91:1
            (1200, 630, true),
            (1080, 566, true),
            (1080, 1351, false), // 0.7994: past 4:5
            (1080, 1400, false),
            (1080, 1920, false),
            (1920, 1000, false),
            (0, 10, false),
        ] {
            assert_eq!(feed.contains(w, h), inside, "{w}×{h}");
        }
        assert_eq!(feed.describe(), "4:5 and 1.91:1");
    }

    #[test]
    fn formats_numbers_for_messages() {
        assert_eq!(num(4.0), "4");
        assert_eq!(num(23.976), "23.976");
        assert_eq!(round_size(8 * MIB), "8 MiB");
        assert_eq!(round_size(4 * GIB), "4 GiB");
        assert_eq!(size(9_646_899), "9.2 MiB (9,646,899 bytes)");
        assert_eq!(duration(2_500), "2.5 s");
        assert_eq!(duration(60_000), "60 s");
        assert_eq!(duration(900_000), "15 min");
        assert_eq!(duration(962_040), "16 min 2.04 s");
        assert_eq!(
            formats(&[MediaFormat::Jpeg, MediaFormat::Png]),
            "JPEG or PNG"
        );
    }
}
