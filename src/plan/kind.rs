//! What kind of post a target makes, in words ("carousel of 3", "reel", "link post"), for the
//! lines people read: the daemon's publications, `plan`.
//!
//! The label follows the validator's inference (an Instagram target without `kind` is a feed
//! photo, a reel or a carousel by its media). Videos are told from images by the file's
//! extension here: a label is for reading, and the validator has already judged the content.

use super::Content;
use crate::platform::Platform;

fn is_video(file: &str) -> bool {
    let ext = file.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(ext.as_str(), "mp4" | "mov" | "m4v" | "webm")
}

/// The kind of post `content` makes on its platform.
pub fn label(content: &Content) -> String {
    let options = content.options();
    let option = |k: &str| options.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let media = &content.media;
    let videos = media.iter().filter(|m| is_video(&m.file)).count();
    let n = media.len();
    match content.platform {
        Platform::Instagram => match option("kind").as_deref() {
            Some("story") => "story".into(),
            Some("reel") => "reel".into(),
            Some("carousel") => format!("carousel of {n}"),
            Some(_) => "photo".into(),
            None if n > 1 => format!("carousel of {n}"),
            None if videos == 1 => "reel".into(),
            None => "photo".into(),
        },
        Platform::Threads => match n {
            0 if option("link_attachment").is_some() => "text with link".into(),
            0 => "text".into(),
            1 if videos == 1 => "video".into(),
            1 => "image".into(),
            _ => format!("carousel of {n}"),
        },
        Platform::Facebook => match n {
            0 if option("link").is_some() => "link post".into(),
            0 => "text post".into(),
            _ if videos > 0 => "video".into(),
            1 => "photo".into(),
            _ => format!("{n} photos"),
        },
        Platform::Tiktok => match n {
            _ if videos > 0 => "video".into(),
            1 => "photo post".into(),
            _ => format!("photo post of {n}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::desired::MediaContent;

    fn content(platform: Platform, files: &[&str], options: &str) -> Content {
        Content {
            platform,
            text: None,
            media: files
                .iter()
                .map(|f| MediaContent {
                    file: (*f).into(),
                    sha256: String::new(),
                    alt: None,
                })
                .collect(),
            options: options.into(),
        }
    }

    #[test]
    fn labels_follow_the_validators_inference() {
        let cases = [
            (Platform::Instagram, vec!["a.jpg"], "{}", "photo"),
            (Platform::Instagram, vec!["a.MP4"], "{}", "reel"),
            (
                Platform::Instagram,
                vec!["a.jpg", "b.mp4"],
                "{}",
                "carousel of 2",
            ),
            (
                Platform::Instagram,
                vec!["a.mp4"],
                r#"{"kind":"story"}"#,
                "story",
            ),
            (
                Platform::Threads,
                vec![],
                r#"{"link_attachment":"https://x"}"#,
                "text with link",
            ),
            (
                Platform::Threads,
                vec!["a.jpg", "b.png", "c.mov"],
                "{}",
                "carousel of 3",
            ),
            (
                Platform::Facebook,
                vec![],
                r#"{"link":"https://x"}"#,
                "link post",
            ),
            (Platform::Facebook, vec!["a.jpg", "b.png"], "{}", "2 photos"),
            (Platform::Tiktok, vec!["a.mp4"], "{}", "video"),
            (
                Platform::Tiktok,
                vec!["a.jpg", "b.webp"],
                "{}",
                "photo post of 2",
            ),
        ];
        for (platform, files, options, want) in cases {
            assert_eq!(
                label(&content(platform, &files, options)),
                want,
                "{files:?} {options}"
            );
        }
    }
}
