//! How each platform frames a picture: the aspect ratio its feed crops to, and the centred crop
//! that gives it. Pure, table-tested; [`super::thumbs`] applies it to pixels.
//!
//! - Instagram feed photos and carousels: the feed shows 4:5 (portrait) to 1.91:1 (landscape);
//!   a picture outside that range is cropped to the nearer bound. Every item of a carousel is
//!   shown at the first item's ratio (platform-rules §1.3).
//! - Instagram reels and stories: full screen, 9:16.
//! - TikTok: a 9:16 screen; photos are shown whole inside it (letterboxed), videos fill it.
//! - Threads and Facebook: pictures at their own ratio.

/// A width:height ratio, kept as integers so a thumbnail's file name can say which crop it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    pub w: u32,
    pub h: u32,
}

impl Ratio {
    /// 4:5, the tallest picture Instagram's feed shows.
    pub const PORTRAIT: Ratio = Ratio { w: 4, h: 5 };
    /// 1.91:1, the widest.
    pub const LANDSCAPE: Ratio = Ratio { w: 191, h: 100 };
    /// 9:16, a phone screen: reels, stories, TikTok.
    pub const SCREEN: Ratio = Ratio { w: 9, h: 16 };

    /// `w:h` reduced (4000×3000 is 4:3); `None` for an empty side.
    pub fn of(w: u32, h: u32) -> Option<Ratio> {
        if w == 0 || h == 0 {
            return None;
        }
        let g = gcd(w, h);
        Some(Ratio { w: w / g, h: h / g })
    }

    pub fn value(self) -> f64 {
        f64::from(self.w) / f64::from(self.h)
    }

    /// For CSS `aspect-ratio`.
    pub fn css(self) -> String {
        format!("{} / {}", self.w, self.h)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// What Instagram's feed shows of a `w`×`h` picture (as displayed): its own ratio when within
/// 4:5–1.91:1, else the nearer bound.
pub fn instagram_feed(w: u32, h: u32) -> Ratio {
    match Ratio::of(w, h) {
        None => Ratio { w: 1, h: 1 },
        Some(r) if r.value() < Ratio::PORTRAIT.value() => Ratio::PORTRAIT,
        Some(r) if r.value() > Ratio::LANDSCAPE.value() => Ratio::LANDSCAPE,
        Some(r) => r,
    }
}

/// The centred rectangle `(x, y, width, height)` of a `w`×`h` picture that has `ratio`.
pub fn centre_crop(w: u32, h: u32, ratio: Ratio) -> (u32, u32, u32, u32) {
    let (w64, h64) = (u64::from(w), u64::from(h));
    let (rw, rh) = (u64::from(ratio.w.max(1)), u64::from(ratio.h.max(1)));
    if w64 * rh > h64 * rw {
        // Wider than the ratio: keep the height.
        let cw = ((h64 * rw + rh / 2) / rh).clamp(1, w64.max(1)) as u32;
        (w.saturating_sub(cw) / 2, 0, cw, h)
    } else {
        let ch = ((w64 * rh + rw / 2) / rw).clamp(1, h64.max(1)) as u32;
        (0, h.saturating_sub(ch) / 2, w, ch)
    }
}

/// The size a picture of `w`×`h` is scaled to for the preview: at most `max_w`×`max_h`, never
/// enlarged, ratio kept.
pub fn fit(w: u32, h: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    if w <= max_w && h <= max_h {
        return (w.max(1), h.max(1));
    }
    let scale = (f64::from(max_w) / f64::from(w)).min(f64::from(max_h) / f64::from(h));
    (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instagram_feed_crops_to_4_5_through_1_91() {
        let cases = [
            ((1080, 1350), Ratio { w: 4, h: 5 }),
            ((1080, 1080), Ratio { w: 1, h: 1 }),
            ((4000, 3000), Ratio { w: 4, h: 3 }),
            ((1080, 1920), Ratio::PORTRAIT),
            ((3000, 1000), Ratio::LANDSCAPE),
            ((1200, 630), Ratio { w: 40, h: 21 }),
            ((0, 10), Ratio { w: 1, h: 1 }),
        ];
        for ((w, h), want) in cases {
            assert_eq!(instagram_feed(w, h), want, "{w}×{h}");
        }
    }

    #[test]
    fn crops_are_centred_and_have_the_ratio() {
        assert_eq!(
            centre_crop(1080, 1920, Ratio::PORTRAIT),
            (0, 285, 1080, 1350)
        );
        assert_eq!(
            centre_crop(3000, 1000, Ratio::LANDSCAPE),
            (545, 0, 1910, 1000)
        );
        assert_eq!(
            centre_crop(4000, 3000, Ratio::SCREEN),
            (1156, 0, 1688, 3000)
        );
        assert_eq!(
            centre_crop(100, 100, Ratio { w: 1, h: 1 }),
            (0, 0, 100, 100)
        );
    }

    #[test]
    fn previews_are_scaled_down_never_up() {
        assert_eq!(fit(4000, 3000, 640, 1138), (640, 480));
        assert_eq!(fit(1080, 1920, 640, 1138), (640, 1138));
        assert_eq!(fit(300, 200, 640, 1138), (300, 200));
    }
}
