//! Holding one probed image or video against an [`ImageLimits`] or [`VideoLimits`] table.
//! Every problem is labelled on the media entry's `file` and names the file, the value found
//! and the limit.

use super::{
    ImageLimits, VideoLimits, codec_name, duration, formats, num, or_list, ratio, round_size, size,
};
use crate::diag::group_digits as group;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::media::{AudioCodec, ImageInfo, VideoInfo};
use crate::rules::MediaItem;

/// Checks one image against `limits`, reporting at the media entry's `file`.
pub fn check_image(limits: &ImageLimits, item: &MediaItem, diags: &mut Diagnostics) {
    let Some(info) = item.info else { return };
    let Some(image) = info.image() else { return };
    let file = &item.reference.file;
    let (span, path, what) = (file.span, file.value.as_str(), limits.what);
    let format = info.format;
    let converted = limits.converted.filter(|c| c.value.contains(&format));
    if let Some(c) = converted {
        diags.push(
            Diagnostic::warning(
                c.code,
                format!(
                    "`{path}` is {}; {what} must be {}, so postcal will convert it to JPEG",
                    format.name(),
                    formats(limits.formats.value)
                ),
            )
            .at(span, "will be converted to JPEG")
            .help("nothing to do; to choose the JPEG quality yourself, export it as JPEG"),
        );
    } else if !limits.formats.value.contains(&format) {
        let f = &limits.formats;
        diags.push(f.report(
            format!(
                "`{path}` is {}; {what} must be {}",
                format.name(),
                formats(f.value)
            ),
            span,
            format!("{} image", format.name()),
            format!("export it as {}", formats(f.value)),
        ));
    }
    // A converted file gets a new size: its current one says nothing.
    if let Some(max) = &limits.max_bytes
        && converted.is_none()
        && info.size_bytes > max.value
    {
        diags.push(max.report(
            format!(
                "`{path}` is {}; {what} may be at most {}",
                size(info.size_bytes),
                round_size(max.value)
            ),
            span,
            "too large",
            "export it at a lower JPEG quality or a smaller size",
        ));
    }
    check_image_geometry(limits, image, item, diags);
}

fn check_image_geometry(
    limits: &ImageLimits,
    image: &ImageInfo,
    item: &MediaItem,
    diags: &mut Diagnostics,
) {
    let file = &item.reference.file;
    let (span, path, what) = (file.span, file.value.as_str(), limits.what);
    let (w, h) = (image.width, image.height);
    check_aspect(limits.aspect.as_ref(), (w, h), path, what, span, diags);
    if let Some(max) = &limits.max_pixels {
        let (long, short) = (w.max(h), w.min(h));
        if long > max.value.0 || short > max.value.1 {
            diags.push(max.report(
                format!(
                    "`{path}` is {w}×{h}; {what} may be at most {}×{} (either way round)",
                    max.value.0, max.value.1
                ),
                span,
                "too many pixels",
                format!("resize it to fit within {}×{}", max.value.0, max.value.1),
            ));
        }
    }
}

/// Checks one video against `limits`, reporting at the media entry's `file`.
pub fn check_video(limits: &VideoLimits, item: &MediaItem, diags: &mut Diagnostics) {
    let Some(info) = item.info else { return };
    let Some(video) = info.video() else { return };
    let file = &item.reference.file;
    let (span, path, what) = (file.span, file.value.as_str(), limits.what);
    if let Some(f) = &limits.formats
        && !f.value.contains(&info.format)
    {
        diags.push(f.report(
            format!("`{path}` is {}; {what} must be {}", info.format.name(), formats(f.value)),
            span,
            format!("{} video", info.format.name()),
            "re-encode it as MP4 (H.264 video, AAC audio), e.g. `ffmpeg -i in.webm -c:v libx264 -c:a aac -movflags +faststart out.mp4`",
        ));
    }
    // A refused container is re-encoded anyway: its codec is not worth a second error.
    let format_ok = limits
        .formats
        .is_none_or(|f| f.value.contains(&info.format));
    if let (true, Some(c), Some(codec)) = (format_ok, &limits.codecs, &video.codec)
        && !c.value.contains(codec)
    {
        diags.push(c.report(
            format!(
                "`{path}` uses {} video; {what} must be {}",
                codec_name(codec),
                or_list(c.value.iter().map(codec_name))
            ),
            span,
            format!("{} video", codec_name(codec)),
            "re-encode it with H.264, e.g. `ffmpeg -i in.mp4 -c:v libx264 -c:a copy out.mp4`",
        ));
    }
    if let Some(max) = &limits.max_bytes
        && info.size_bytes > max.value
    {
        diags.push(max.report(
            format!(
                "`{path}` is {}; {what} may be at most {}",
                size(info.size_bytes),
                round_size(max.value)
            ),
            span,
            "too large",
            "re-encode it at a lower bitrate, or shorten it",
        ));
    }
    check_timing(limits, video, item, diags);
    check_video_geometry(limits, video, item, diags);
    check_video_structure(limits, video, item, diags);
}

fn check_timing(
    limits: &VideoLimits,
    video: &VideoInfo,
    item: &MediaItem,
    diags: &mut Diagnostics,
) {
    let file = &item.reference.file;
    let (span, path, what) = (file.span, file.value.as_str(), limits.what);
    let ms = video.duration_ms;
    if let Some(min) = &limits.min_ms
        && ms < min.value
    {
        diags.push(min.report(
            format!(
                "`{path}` is {} long; {what} must be at least {}",
                duration(ms),
                duration(min.value)
            ),
            span,
            "too short",
            "use a longer clip",
        ));
    }
    if let Some(max) = &limits.max_ms
        && ms > max.value
    {
        diags.push(max.report(
            format!(
                "`{path}` is {} long; {what} may be at most {}",
                duration(ms),
                duration(max.value)
            ),
            span,
            "too long",
            format!("trim it to {} or less", duration(max.value)),
        ));
    }
    if let (Some(fps), Some(rate)) = (&limits.fps, video.frame_rate)
        && !(rate >= fps.value.0 - 0.01 && rate <= fps.value.1 + 0.01)
    {
        diags.push(fps.report(
            format!(
                "`{path}` runs at {} fps; {what} must be {} to {} fps",
                num(rate),
                num(fps.value.0),
                num(fps.value.1)
            ),
            span,
            "frame rate out of range",
            "re-encode it at 24, 25, 30 or 60 fps, e.g. `ffmpeg -i in.mp4 -r 30 out.mp4`",
        ));
    }
}

fn check_video_geometry(
    limits: &VideoLimits,
    video: &VideoInfo,
    item: &MediaItem,
    diags: &mut Diagnostics,
) {
    let file = &item.reference.file;
    let (span, path, what) = (file.span, file.value.as_str(), limits.what);
    let (w, h) = (video.width, video.height);
    if video.codec.is_none() {
        return;
    }
    if let Some(max) = &limits.max_width
        && w > max.value
    {
        diags.push(max.report(
            format!(
                "`{path}` is {w}×{h}; {what} may be at most {} px wide",
                max.value
            ),
            span,
            "too wide",
            format!(
                "scale it down to at most {} px wide (1080×1920 for a vertical video)",
                max.value
            ),
        ));
    }
    if let Some(sides) = &limits.sides
        && (w.min(h) < sides.value.0 || w.max(h) > sides.value.1)
    {
        diags.push(sides.report(
            format!(
                "`{path}` is {w}×{h}; {what} need each side between {} and {} px",
                sides.value.0, sides.value.1
            ),
            span,
            "size out of range",
            format!(
                "scale it so both sides are between {} and {} px",
                sides.value.0, sides.value.1
            ),
        ));
    }
    check_aspect(limits.aspect.as_ref(), (w, h), path, what, span, diags);
}

fn check_video_structure(
    limits: &VideoLimits,
    video: &VideoInfo,
    item: &MediaItem,
    diags: &mut Diagnostics,
) {
    let file = &item.reference.file;
    let (span, path, what) = (file.span, file.value.as_str(), limits.what);
    // postcal remuxes these before upload (media::stage, whose needs come from these same
    // rules): a warning, like a PNG converted to JPEG.
    let skip = "nothing to do; to upload the file exactly as it is, export it with `ffmpeg -i in.mp4 -c copy -movflags +faststart -use_editlist 0 out.mp4`";
    if let Some(rule) = &limits.fast_start
        && !video.moov_before_mdat
    {
        diags.push(
            Diagnostic::warning(
                rule.code,
                format!("`{path}` has its index (`moov` box) after the media data; {what} need it first (\"fast start\"), so postcal will move it (a remux, not a re-encode)"),
            )
            .at(span, "postcal will move `moov` first")
            .help(skip),
        );
    }
    if let Some(rule) = &limits.no_edit_list
        && video.has_edit_list
    {
        diags.push(
            Diagnostic::warning(
                rule.code,
                format!("`{path}` has an edit list (`elst`); {what} must not have one, so postcal will drop it (a remux, not a re-encode), keeping sound and picture in sync"),
            )
            .at(span, "postcal will drop the edit list")
            .help(skip),
        );
    }
    if let (Some(rule), Some(audio)) = (&limits.audio, &video.audio) {
        let (max_rate, max_channels) = rule.value;
        let codec = match &audio.codec {
            AudioCodec::Aac => None,
            AudioCodec::Other(fourcc) => Some(fourcc.as_str()),
        };
        if codec.is_some() || audio.sample_rate > max_rate || audio.channels > max_channels {
            let found = format!(
                "{} audio at {} Hz, {} channel{}",
                codec.map_or("AAC".to_owned(), |c| format!("`{c}`")),
                group(u64::from(audio.sample_rate)),
                audio.channels,
                if audio.channels == 1 { "" } else { "s" }
            );
            diags.push(rule.report(
                format!(
                    "`{path}` has {found}; {what} need AAC audio at up to {} Hz, mono or stereo",
                    group(u64::from(max_rate))
                ),
                span,
                "audio not accepted",
                "re-encode the audio: `ffmpeg -i in.mp4 -c:v copy -c:a aac -ar 48000 -ac 2 out.mp4`",
            ));
        }
    }
}

/// A picture or video whose aspect ratio is outside the limit's range.
fn check_aspect(
    aspect: Option<&super::Limit<super::Aspect>>,
    (w, h): (u32, u32),
    path: &str,
    what: &str,
    span: Span,
    diags: &mut Diagnostics,
) {
    if let Some(aspect) = aspect
        && !aspect.value.contains(w, h)
    {
        diags.push(aspect.report(
            format!(
                "`{path}` is {w}×{h} (aspect ratio {}:1); {what} must be between {}",
                ratio(w, h),
                aspect.value.describe()
            ),
            span,
            "aspect ratio out of range",
            format!(
                "crop it to an aspect ratio between {}",
                aspect.value.describe()
            ),
        ));
    }
}
