//! MP4 and QuickTime MOV: the top-level boxes are walked with seeks to find `moov` (the
//! metadata) and whether it comes before `mdat` (the media data); then only `moov` is read, and
//! parsed in memory for duration, codecs, dimensions, frame rate and edit lists.
//!
//! # Why not `re_mp4`
//! `re_mp4::Mp4::read` seeks rather than reading the whole file, but it requires an `ftyp` box
//! (old MOVs have none), parses every box of `moov` and builds the full per-sample index of every
//! track, which is far more work and memory than the few fields postcal needs. A small parser of
//! exactly those fields is easier to keep panic-free on hostile input.

mod audio;

use super::bmff::{Be, BoxHeader, FourCc, children, find, fourcc_text, read_header};
use super::{Input, MAX_MOOV_BYTES, ProbeError};
use crate::media::{AudioInfo, MediaDetails, VideoCodec, VideoInfo};

/// Real files have a handful of top-level boxes before `moov`; fragmented ones put it first.
const MAX_TOP_LEVEL_BOXES: usize = 100_000;

pub(super) fn probe(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    let (moov, moov_before_mdat) = find_moov(input)?;
    let what = "metadata (`moov` box)";
    let data = input.vec(moov.body_offset(), moov.body_len(), MAX_MOOV_BYTES, what)?;
    let movie = parse_moov(&data).map_err(|reason| input.corrupt(reason))?;
    Ok(MediaDetails::Video(movie.video_info(moov_before_mdat)))
}

/// The `moov` box, and whether no `mdat` came before it.
fn find_moov(input: &mut Input) -> Result<(BoxHeader, bool), ProbeError> {
    let mut offset = 0;
    let mut seen_mdat = false;
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        let Some(header) = read_header(input, offset)? else {
            return Err(ProbeError::NoMoov {
                format: input.format().name(),
            });
        };
        let end = header.end().filter(|&end| end <= input.len());
        if &header.kind == b"moov" {
            return match end {
                Some(_) => Ok((header, !seen_mdat)),
                None => Err(ProbeError::truncated(
                    input.format(),
                    "metadata (`moov` box)",
                )),
            };
        }
        seen_mdat |= &header.kind == b"mdat";
        offset = end.ok_or_else(|| {
            ProbeError::truncated(
                input.format(),
                "media data, before any metadata (`moov` box)",
            )
        })?;
    }
    Err(input.corrupt(format!(
        "more than {MAX_TOP_LEVEL_BOXES} boxes before `moov`"
    )))
}

/// What `moov` says, reduced to what the rules need.
#[derive(Debug, Default)]
struct Movie<'a> {
    timescale: u32,
    duration: u64,
    /// `mehd`: the duration of a fragmented file, whose `mvhd` may say 0.
    fragment_duration: Option<u64>,
    video: Option<Track<'a>>,
    audio: Option<Track<'a>>,
    has_edit_list: bool,
}

#[derive(Debug, Default)]
struct Track<'a> {
    handler: FourCc,
    width: u32,
    height: u32,
    rotation: u16,
    media_timescale: u32,
    media_duration: u64,
    /// The first sample description: codec four-cc and its body.
    entry: Option<(FourCc, &'a [u8])>,
    sample_count: u64,
    /// Sum of `stts` deltas: the media duration when `mdhd` does not say.
    stts_duration: u64,
    has_edit_list: bool,
}

fn short(what: &str) -> String {
    format!("the `{what}` box is cut short")
}

fn parse_moov(data: &[u8]) -> Result<Movie<'_>, String> {
    let mut movie = Movie::default();
    for child in children(data) {
        match child? {
            (kind, body) if &kind == b"mvhd" => {
                let mut r = Be::new(body);
                let wide = r.u8().ok_or_else(|| short("mvhd"))? == 1;
                let fields = (|| {
                    r.skip(3)?;
                    r.u32_or_u64(wide)?; // creation time
                    r.u32_or_u64(wide)?; // modification time
                    Some((r.u32()?, r.u32_or_u64(wide)?))
                })();
                (movie.timescale, movie.duration) = fields.ok_or_else(|| short("mvhd"))?;
            }
            (kind, body) if &kind == b"trak" => {
                let track = parse_trak(body)?;
                movie.has_edit_list |= track.has_edit_list;
                let slot = match &track.handler {
                    b"vide" => &mut movie.video,
                    b"soun" => &mut movie.audio,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = Some(track);
                }
            }
            (kind, body) if &kind == b"mvex" => {
                if let Some(mehd) = find(body, b"mehd")? {
                    let mut r = Be::new(mehd);
                    let wide = r.u8() == Some(1);
                    movie.fragment_duration = r.skip(3).and_then(|()| r.u32_or_u64(wide));
                }
            }
            _ => {}
        }
    }
    if movie.video.is_none() && movie.audio.is_none() {
        return Err("the metadata describes no video or audio track".into());
    }
    Ok(movie)
}

fn parse_trak(data: &[u8]) -> Result<Track<'_>, String> {
    let mut track = Track::default();
    for child in children(data) {
        match child? {
            (kind, body) if &kind == b"tkhd" => parse_tkhd(body, &mut track)?,
            (kind, body) if &kind == b"edts" => {
                if let Some(elst) = find(body, b"elst")? {
                    let mut r = Be::new(elst);
                    let entries = r
                        .skip(4)
                        .and_then(|()| r.u32())
                        .ok_or_else(|| short("elst"))?;
                    track.has_edit_list |= entries > 0;
                }
            }
            (kind, body) if &kind == b"mdia" => parse_mdia(body, &mut track)?,
            _ => {}
        }
    }
    Ok(track)
}

fn parse_tkhd(body: &[u8], track: &mut Track) -> Result<(), String> {
    let mut r = Be::new(body);
    let fields = (|| {
        let wide = r.u8()? == 1;
        r.skip(3)?;
        r.u32_or_u64(wide)?; // creation time
        r.u32_or_u64(wide)?; // modification time
        r.skip(8)?; // track id, reserved
        r.u32_or_u64(wide)?; // duration
        r.skip(16)?; // reserved, layer, alternate group, volume, reserved
        let mut matrix = [0i32; 9];
        for m in &mut matrix {
            *m = r.i32()?;
        }
        Some((matrix, r.u32()?, r.u32()?))
    })();
    let (matrix, width, height) = fields.ok_or_else(|| short("tkhd"))?;
    // Width and height are 16.16 fixed point.
    (track.width, track.height) = (width >> 16, height >> 16);
    track.rotation = rotation(&matrix);
    Ok(())
}

/// The clockwise quarter turns of a track matrix `[a b u; c d v; x y w]` (screen y points down).
fn rotation(m: &[i32; 9]) -> u16 {
    let (a, b, c, d) = (m[0], m[1], m[3], m[4]);
    if a == 0 && d == 0 && b > 0 && c < 0 {
        90
    } else if a == 0 && d == 0 && b < 0 && c > 0 {
        270
    } else if a < 0 && d < 0 && b == 0 && c == 0 {
        180
    } else {
        0
    }
}

fn parse_mdia<'a>(data: &'a [u8], track: &mut Track<'a>) -> Result<(), String> {
    for child in children(data) {
        match child? {
            (kind, body) if &kind == b"mdhd" => {
                let mut r = Be::new(body);
                let fields = (|| {
                    let wide = r.u8()? == 1;
                    r.skip(3)?;
                    r.u32_or_u64(wide)?;
                    r.u32_or_u64(wide)?;
                    Some((r.u32()?, r.u32_or_u64(wide)?))
                })();
                (track.media_timescale, track.media_duration) =
                    fields.ok_or_else(|| short("mdhd"))?;
            }
            (kind, body) if &kind == b"hdlr" => {
                let mut r = Be::new(body);
                track.handler = r
                    .skip(8)
                    .and_then(|()| r.array())
                    .ok_or_else(|| short("hdlr"))?;
            }
            (kind, body) if &kind == b"minf" => {
                if let Some(stbl) = find(body, b"stbl")? {
                    parse_stbl(stbl, track)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn parse_stbl<'a>(data: &'a [u8], track: &mut Track<'a>) -> Result<(), String> {
    for child in children(data) {
        match child? {
            (kind, body) if &kind == b"stsd" => {
                let entries = body.get(8..).ok_or_else(|| short("stsd"))?;
                track.entry = children(entries).next().transpose()?;
            }
            (kind, body) if &kind == b"stts" => {
                let mut r = Be::new(body);
                let count = r
                    .skip(4)
                    .and_then(|()| r.u32())
                    .ok_or_else(|| short("stts"))?;
                // Each entry is 8 bytes; `take` refuses a count the box cannot hold.
                let table = usize::try_from(count)
                    .ok()
                    .and_then(|n| n.checked_mul(8))
                    .and_then(|len| r.take(len))
                    .ok_or_else(|| format!("the `stts` box claims {count} entries it lacks"))?;
                for entry in table.chunks_exact(8) {
                    let n = u64::from(u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]));
                    let delta =
                        u64::from(u32::from_be_bytes([entry[4], entry[5], entry[6], entry[7]]));
                    track.sample_count = track.sample_count.saturating_add(n);
                    track.stts_duration = track.stts_duration.saturating_add(n * delta);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Milliseconds of `duration` units of `timescale` per second; `None` if unknown.
fn millis(duration: u64, timescale: u32) -> Option<u64> {
    // All ones is how writers say "unknown".
    if timescale == 0 || duration == 0 || duration == u64::from(u32::MAX) || duration == u64::MAX {
        return None;
    }
    u64::try_from(u128::from(duration) * 1000 / u128::from(timescale)).ok()
}

impl Movie<'_> {
    fn video_info(&self, moov_before_mdat: bool) -> VideoInfo {
        let video = self.video.as_ref();
        let duration_ms = millis(self.duration, self.timescale)
            .or_else(|| millis(self.fragment_duration?, self.timescale))
            .or_else(|| video.and_then(|v| millis(v.media_duration(), v.media_timescale)))
            .unwrap_or(0);
        let (width, height) = video.map_or((0, 0), Track::displayed_size);
        VideoInfo {
            codec: video
                .and_then(|v| v.entry)
                .map(|(code, _)| video_codec(code)),
            width,
            height,
            rotation: video.map_or(0, |v| v.rotation),
            duration_ms,
            frame_rate: video.and_then(Track::frame_rate),
            audio: self.audio.as_ref().and_then(Track::audio_info),
            moov_before_mdat,
            has_edit_list: self.has_edit_list,
        }
    }
}

impl Track<'_> {
    fn media_duration(&self) -> u64 {
        match self.media_duration {
            0 => self.stts_duration,
            d if d == u64::from(u32::MAX) || d == u64::MAX => self.stts_duration,
            d => d,
        }
    }

    fn frame_rate(&self) -> Option<f64> {
        let duration = self.media_duration();
        if self.sample_count == 0 || duration == 0 || self.media_timescale == 0 {
            return None;
        }
        Some(self.sample_count as f64 * f64::from(self.media_timescale) / duration as f64)
    }

    /// Width and height as displayed: from `tkhd`, else the sample description, turned by the
    /// track's rotation.
    fn displayed_size(&self) -> (u32, u32) {
        let (mut w, mut h) = (self.width, self.height);
        if w == 0 || h == 0 {
            // Visual sample entry: 24 bytes of reserved fields, then 16-bit width and height.
            let coded = self.entry.and_then(|(_, body)| {
                let mut r = Be::new(body);
                r.skip(24)?;
                Some((u32::from(r.u16()?), u32::from(r.u16()?)))
            });
            (w, h) = coded.unwrap_or((w, h));
        }
        if self.rotation % 180 == 90 {
            (h, w)
        } else {
            (w, h)
        }
    }

    fn audio_info(&self) -> Option<AudioInfo> {
        let (code, body) = self.entry?;
        Some(audio::audio_info(code, body, self.media_timescale))
    }
}

fn video_codec(code: FourCc) -> VideoCodec {
    match &code {
        b"avc1" | b"avc3" => VideoCodec::H264,
        b"hvc1" | b"hev1" => VideoCodec::Hevc,
        b"vp08" => VideoCodec::Vp8,
        b"vp09" => VideoCodec::Vp9,
        b"av01" => VideoCodec::Av1,
        other => VideoCodec::Other(fourcc_text(*other).trim_end().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_give_clockwise_rotation() {
        let one = 0x0001_0000;
        let cases = [
            ([one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000], 0),
            ([0, one, 0, -one, 0, 0, 0, 0, 0x4000_0000], 90),
            ([-one, 0, 0, 0, -one, 0, 0, 0, 0x4000_0000], 180),
            ([0, -one, 0, one, 0, 0, 0, 0, 0x4000_0000], 270),
            ([0; 9], 0),
        ];
        for (matrix, want) in cases {
            assert_eq!(rotation(&matrix), want, "{matrix:?}");
        }
    }

    #[test]
    fn durations_of_unknown_length_are_not_numbers() {
        assert_eq!(millis(90_000, 90_000), Some(1000));
        assert_eq!(millis(u64::from(u32::MAX), 1000), None);
        assert_eq!(millis(5, 0), None);
        assert_eq!(millis(u64::MAX - 1, 1), None, "overflows u64 milliseconds");
    }
}
