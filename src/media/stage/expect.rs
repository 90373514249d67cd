//! What staging will do to a file, told from its probe alone (headers, never the pixels), so
//! `plan` and `show` can say "PNG → JPEG" or "remuxed" before anything is staged.
//!
//! It follows the stager's own decisions ([`super::Stager::stage`]) and a test runs both over
//! the media fixtures. One case cannot be told from headers: a CMYK JPEG, which the stager finds
//! by reading the file and converts for platforms that take only JPEG; it is predicted as "as
//! it is".

use std::fmt;

use serde::Serialize;

use super::{Need, VideoNeed};
use crate::media::{MediaFormat, MediaInfo};

/// A conversion postcal will make when it stages a file for a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "conversion", rename_all = "snake_case")]
pub enum Expected {
    /// Decoded and written again as an sRGB JPEG.
    ToJpeg { from: MediaFormat },
    /// Boxes rewritten (`moov` first, edit lists dropped), samples copied byte for byte.
    Remux {
        move_moov: bool,
        drop_edit_lists: bool,
    },
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ToJpeg { from } => write!(f, "{} → JPEG", from.name()),
            Self::Remux {
                move_moov,
                drop_edit_lists,
            } => {
                let what: Vec<&str> = [
                    (*move_moov, "moov first"),
                    (*drop_edit_lists, "edit list dropped"),
                ]
                .iter()
                .filter(|(yes, _)| *yes)
                .map(|(_, w)| *w)
                .collect();
                write!(f, "remux ({})", what.join(", "))
            }
        }
    }
}

/// What staging a file probed as `info` with `need` will do; `None` when it is used as it is
/// (or cannot be used at all: the validator reports that).
pub fn expected(info: &MediaInfo, need: Need) -> Option<Expected> {
    if let Some(video) = info.video() {
        let remuxable = matches!(info.format, MediaFormat::Mp4 | MediaFormat::Mov);
        let move_moov = !video.moov_before_mdat;
        let drop_edit_lists = video.has_edit_list;
        return (need.video == VideoNeed::FastStart && remuxable && (move_moov || drop_edit_lists))
            .then_some(Expected::Remux {
                move_moov,
                drop_edit_lists,
            });
    }
    let convertible = matches!(info.format, MediaFormat::Png | MediaFormat::Webp);
    (convertible && !need.image.accepts(info.format))
        .then_some(Expected::ToJpeg { from: info.format })
}

#[cfg(test)]
mod tests {
    use super::super::{Conversion, Stager, need_for};
    use super::*;
    use crate::media::probe_file;
    use crate::platform::Platform;

    /// The prediction and the stager agree on every fixture, for every platform.
    #[test]
    fn predictions_match_what_the_stager_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stager = Stager::open(&dir.path().join("media")).expect("open");
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media");
        let mut predicted_some = 0;
        for name in [
            "image.png",
            "image.webp",
            "orientation-6.jpg",
            "h264-aac-faststart.mp4",
            "h264-aac-moov-last.mp4",
            "reel-edit-list-moov-last.mp4",
            "reel-edit-list.mov",
            "clip.webm",
        ] {
            let path = fixtures.join(name);
            let info = probe_file(&path).expect("probe");
            for platform in Platform::ALL {
                let need = need_for(platform);
                let staged = stager.stage(&path, &need).map(|s| s.conversion);
                let want = match staged {
                    Ok(None) | Err(_) => None,
                    Ok(Some(Conversion::ToJpeg { from })) => Some(Expected::ToJpeg { from }),
                    Ok(Some(Conversion::Remux {
                        dropped_edit_lists,
                        moved_moov,
                    })) => Some(Expected::Remux {
                        move_moov: moved_moov,
                        drop_edit_lists: dropped_edit_lists,
                    }),
                };
                assert_eq!(expected(&info, need), want, "{name} for {platform}");
                predicted_some += usize::from(want.is_some());
            }
        }
        assert!(predicted_some >= 6, "the fixtures exercise conversions");
    }

    #[test]
    fn conversions_read_as_words() {
        let png = Expected::ToJpeg {
            from: MediaFormat::Png,
        };
        assert_eq!(png.to_string(), "PNG → JPEG");
        let remux = Expected::Remux {
            move_moov: true,
            drop_edit_lists: true,
        };
        assert_eq!(remux.to_string(), "remux (moov first, edit list dropped)");
    }
}
