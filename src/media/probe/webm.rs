//! WebM and Matroska: duration from the segment `Info`, codecs, size, frame rate and audio
//! format from `Tracks`. The segment's children are walked with seeks; only `Info` and `Tracks`
//! are read.
//!
//! For WebM, [`VideoInfo::moov_before_mdat`] means "the track list precedes the first cluster"
//! (the same streaming property), and `has_edit_list` is always false.

use super::{Input, ProbeError};
use crate::media::{AudioCodec, AudioInfo, MediaDetails, VideoCodec, VideoInfo};

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TRACKS: u32 = 0x1654_AE6B;
const CLUSTER: u32 = 0x1F43_B675;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const DEFAULT_DURATION: u32 = 0x23_E383;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const AUDIO: u32 = 0xE1;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const CHANNELS: u32 = 0x9F;

const MAX_INFO_BYTES: u64 = 1024 * 1024;
const MAX_TRACKS_BYTES: u64 = 16 * 1024 * 1024;
const MAX_SEGMENT_CHILDREN: usize = 100_000;

/// An element header: its id (marker bits kept, as specs write ids), body offset and length
/// (`None`: unknown, runs to the end of its parent).
struct Header {
    id: u32,
    body: u64,
    len: Option<u64>,
}

/// A variable-length integer: its value without the length marker, and its length in bytes.
fn vint(bytes: &[u8]) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let mut value = u64::from(first) & (0xFF >> len);
    for &b in bytes.get(1..len)? {
        value = (value << 8) | u64::from(b);
    }
    Some((value, len))
}

/// An element's id and size at the start of `bytes`: `(id, size, header length)`.
fn element(bytes: &[u8]) -> Option<(u32, Option<u64>, usize)> {
    let (_, id_len) = vint(bytes).filter(|&(_, n)| n <= 4)?;
    let id = bytes[..id_len]
        .iter()
        .fold(0u32, |id, &b| (id << 8) | u32::from(b));
    let (size, size_len) = vint(bytes.get(id_len..)?)?;
    // All value bits set means "unknown size".
    let unknown = size == (1u64 << (7 * size_len)) - 1;
    Some((id, (!unknown).then_some(size), id_len + size_len))
}

fn read_element(input: &mut Input, offset: u64) -> Result<Option<Header>, ProbeError> {
    let (buf, n) = input.up_to::<12>(offset)?;
    if n == 0 {
        return Ok(None);
    }
    let (id, len, header_len) = element(&buf[..n])
        .ok_or_else(|| input.corrupt(format!("no valid element at byte {offset}")))?;
    Ok(Some(Header {
        id,
        body: offset + header_len as u64,
        len,
    }))
}

/// The child elements of an element held in memory.
fn children(mut data: &[u8]) -> impl Iterator<Item = Result<(u32, &[u8]), String>> {
    std::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        let parsed = element(data).and_then(|(id, len, header_len)| {
            let end = header_len.checked_add(usize::try_from(len?).ok()?)?;
            Some((id, data.get(header_len..end)?, end))
        });
        match parsed {
            Some((id, body, end)) => {
                data = &data[end..];
                Some(Ok((id, body)))
            }
            None => {
                data = &[];
                Some(Err("an element overruns its parent".to_string()))
            }
        }
    })
}

fn uint(body: &[u8]) -> Option<u64> {
    (body.len() <= 8).then(|| body.iter().fold(0, |v, &b| (v << 8) | u64::from(b)))
}

fn float(body: &[u8]) -> Option<f64> {
    match body.len() {
        4 => Some(f32::from_be_bytes(body.try_into().ok()?).into()),
        8 => Some(f64::from_be_bytes(body.try_into().ok()?)),
        _ => None,
    }
}

pub(super) fn probe(input: &mut Input) -> Result<MediaDetails, ProbeError> {
    let ebml = read_element(input, 0)?.filter(|h| h.id == EBML);
    let ebml = ebml.ok_or_else(|| input.corrupt("no EBML header"))?;
    let after_ebml = ebml.len.map(|len| ebml.body.saturating_add(len));
    let segment = match after_ebml {
        Some(offset) => read_element(input, offset)?.filter(|h| h.id == SEGMENT),
        None => None,
    };
    let segment = segment.ok_or_else(|| input.corrupt("no segment after the EBML header"))?;
    let segment_end = segment
        .len
        .map_or(input.len(), |len| segment.body.saturating_add(len));

    let (mut info, mut tracks, mut cluster_seen) = (None, None, false);
    let mut offset = segment.body;
    for _ in 0..MAX_SEGMENT_CHILDREN {
        if offset >= segment_end.min(input.len()) || (info.is_some() && tracks.is_some()) {
            break;
        }
        let Some(child) = read_element(input, offset)? else {
            break;
        };
        match child.id {
            INFO => info = Some(read_body(input, &child, MAX_INFO_BYTES, "segment info")?),
            TRACKS if tracks.is_none() => {
                tracks = Some((
                    read_body(input, &child, MAX_TRACKS_BYTES, "track list")?,
                    !cluster_seen,
                ));
            }
            CLUSTER => cluster_seen = true,
            _ => {}
        }
        // A child of unknown size (a live stream's cluster) cannot be skipped.
        let Some(len) = child.len else { break };
        offset = child.body.saturating_add(len);
    }
    let (tracks, tracks_first) =
        tracks.ok_or_else(|| input.corrupt("no track list before the media data"))?;
    let mut video = parse_tracks(&tracks).map_err(|reason| input.corrupt(reason))?;
    video.duration_ms = match info {
        Some(info) => parse_duration_ms(&info).map_err(|reason| input.corrupt(reason))?,
        None => 0,
    };
    video.moov_before_mdat = tracks_first;
    Ok(MediaDetails::Video(video))
}

fn read_body(
    input: &mut Input,
    h: &Header,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, ProbeError> {
    let len = h
        .len
        .ok_or_else(|| input.corrupt(format!("the {what} has no size")))?;
    input.vec(h.body, len, limit, what)
}

fn parse_duration_ms(info: &[u8]) -> Result<u64, String> {
    let (mut scale_ns, mut duration) = (1_000_000u64, 0f64);
    for child in children(info) {
        match child? {
            (TIMESTAMP_SCALE, body) => scale_ns = uint(body).unwrap_or(scale_ns),
            (DURATION, body) => duration = float(body).unwrap_or(0.0),
            _ => {}
        }
    }
    let ms = duration * scale_ns as f64 / 1e6;
    // `as` saturates; NaN becomes 0.
    Ok(if ms.is_finite() && ms > 0.0 {
        ms.round() as u64
    } else {
        0
    })
}

fn parse_tracks(tracks: &[u8]) -> Result<VideoInfo, String> {
    let mut info = VideoInfo {
        codec: None,
        width: 0,
        height: 0,
        rotation: 0,
        duration_ms: 0,
        frame_rate: None,
        audio: None,
        moov_before_mdat: true,
        has_edit_list: false,
    };
    for entry in children(tracks) {
        let (id, entry) = entry?;
        if id != TRACK_ENTRY {
            continue;
        }
        let (mut kind, mut codec, mut frame_ns) = (0, String::new(), None);
        let (mut video, mut audio) = (None, None);
        for field in children(entry) {
            match field? {
                (TRACK_TYPE, body) => kind = uint(body).unwrap_or(0),
                (CODEC_ID, body) => {
                    codec = String::from_utf8_lossy(body)
                        .trim_end_matches('\0')
                        .to_string()
                }
                (DEFAULT_DURATION, body) => frame_ns = uint(body).filter(|&ns| ns > 0),
                (VIDEO, body) => video = Some(body),
                (AUDIO, body) => audio = Some(body),
                _ => {}
            }
        }
        if kind == 1 && info.codec.is_none() {
            info.codec = Some(match codec.as_str() {
                "V_VP8" => VideoCodec::Vp8,
                "V_VP9" => VideoCodec::Vp9,
                "V_AV1" => VideoCodec::Av1,
                "V_MPEG4/ISO/AVC" => VideoCodec::H264,
                "V_MPEGH/ISO/HEVC" => VideoCodec::Hevc,
                _ => VideoCodec::Other(codec.clone()),
            });
            info.frame_rate = frame_ns.map(|ns| 1e9 / ns as f64);
            for field in children(video.unwrap_or_default()) {
                match field? {
                    (PIXEL_WIDTH, body) => {
                        info.width = uint(body).and_then(|w| w.try_into().ok()).unwrap_or(0)
                    }
                    (PIXEL_HEIGHT, body) => {
                        info.height = uint(body).and_then(|h| h.try_into().ok()).unwrap_or(0)
                    }
                    _ => {}
                }
            }
        } else if kind == 2 && info.audio.is_none() {
            let (mut rate, mut channels) = (8000.0, 1);
            for field in children(audio.unwrap_or_default()) {
                match field? {
                    (SAMPLING_FREQUENCY, body) => rate = float(body).unwrap_or(rate),
                    (CHANNELS, body) => {
                        channels = uint(body)
                            .and_then(|c| c.try_into().ok())
                            .unwrap_or(channels)
                    }
                    _ => {}
                }
            }
            info.audio = Some(AudioInfo {
                codec: if codec.starts_with("A_AAC") {
                    AudioCodec::Aac
                } else {
                    AudioCodec::Other(codec)
                },
                sample_rate: if rate.is_finite() && rate > 0.0 {
                    rate as u32
                } else {
                    0
                },
                channels,
            });
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints_strip_their_length_marker() {
        assert_eq!(vint(&[0x81]), Some((1, 1)));
        assert_eq!(vint(&[0x40, 0x02]), Some((2, 2)));
        assert_eq!(vint(&[0x01, 0, 0, 0, 0, 0, 0, 0x05]), Some((5, 8)));
        assert_eq!(vint(&[0x00]), None, "no marker in the first byte");
        assert_eq!(vint(&[0x40]), None, "cut short");
    }

    #[test]
    fn all_ones_sizes_are_unknown() {
        assert_eq!(
            element(&[0x1F, 0x43, 0xB6, 0x75, 0xFF]),
            Some((CLUSTER, None, 5))
        );
        assert_eq!(element(&[0x83, 0x81, 1]), Some((TRACK_TYPE, Some(1), 2)));
    }
}
