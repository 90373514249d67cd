//! The audio track's sample entry: codec, sample rate and channels, in ISO form or any of
//! QuickTime's three sound-description versions, with AAC details from its `esds` decoder
//! config (ISO files write a template channel count of 2 in the entry itself).

use crate::media::probe::bmff::{Be, FourCc, find, fourcc_text};
use crate::media::{AudioCodec, AudioInfo};

/// The audio details of a sample entry `code` with `body`; `media_timescale` stands in for a
/// sample rate the entry does not give.
pub(super) fn audio_info(code: FourCc, body: &[u8], media_timescale: u32) -> AudioInfo {
    let sound = parse_sound_entry(body);
    let sample_rate = match sound.sample_rate {
        0 => media_timescale,
        rate => rate,
    };
    let codec = match &code {
        b"mp4a" => match sound.object_type {
            None | Some(0x40 | 0x66 | 0x67 | 0x68) => AudioCodec::Aac,
            Some(0x69 | 0x6B) => AudioCodec::Other("mp3".into()),
            Some(other) => AudioCodec::Other(format!("mp4a.{other:02X}")),
        },
        other => AudioCodec::Other(fourcc_text(*other).trim_end().to_string()),
    };
    AudioInfo {
        codec,
        sample_rate,
        channels: sound.channels,
    }
}

#[derive(Debug, Default, PartialEq)]
struct SoundEntry {
    sample_rate: u32,
    channels: u16,
    /// MPEG-4 object type from `esds` (0x40 = AAC), when there is one.
    object_type: Option<u8>,
}

/// An audio sample entry, in its ISO form or one of QuickTime's three sound-description versions.
fn parse_sound_entry(body: &[u8]) -> SoundEntry {
    let mut entry = SoundEntry::default();
    let mut r = Be::new(body);
    let Some(version) = r.skip(8).and_then(|()| r.u16()) else {
        return entry;
    };
    let fixed = (|| {
        r.skip(6)?; // revision, vendor
        let channels = r.u16()?;
        r.skip(6)?; // sample size, compression id, packet size
        let rate = r.u32()? >> 16; // 16.16 fixed point
        Some((channels, rate))
    })();
    let Some((channels, rate)) = fixed else {
        return entry;
    };
    (entry.channels, entry.sample_rate) = (channels, rate);
    let extensions_at = match version {
        1 => 44,
        2 => {
            // QuickTime v2: a 64-bit float rate and a 32-bit channel count follow.
            let mut v2 = Be::new(body.get(32..).unwrap_or_default());
            if let (Some(rate), Some(channels)) = (v2.u64(), v2.u32()) {
                let rate = f64::from_bits(rate);
                if rate.is_finite() && rate >= 0.0 {
                    entry.sample_rate = rate as u32;
                }
                entry.channels = u16::try_from(channels).unwrap_or(u16::MAX);
            }
            64
        }
        _ => 28,
    };
    let extensions = body.get(extensions_at..).unwrap_or_default();
    // The decoder config sits in `esds`, or in QuickTime's `wave` wrapper around it.
    let esds = find(extensions, b"esds").ok().flatten().or_else(|| {
        let wave = find(extensions, b"wave").ok().flatten()?;
        find(wave, b"esds").ok().flatten()
    });
    if let Some(config) = esds.and_then(decoder_config) {
        entry.object_type = Some(config.object_type);
        // ISO files write a template 2 in the sample entry; AAC's own config has the truth.
        if let Some(channels) = config.aac_channels {
            entry.channels = channels;
        }
    }
    entry
}

#[derive(Debug, PartialEq)]
struct DecoderConfig {
    /// `objectTypeIndication`: 0x40 is MPEG-4 audio (AAC), 0x6B MP3.
    object_type: u8,
    /// Channels from the AAC AudioSpecificConfig, when it states them.
    aac_channels: Option<u16>,
}

/// The decoder config in an `esds` box: its object type, and for AAC the channel count from the
/// AudioSpecificConfig.
fn decoder_config(esds: &[u8]) -> Option<DecoderConfig> {
    let mut r = Be::new(esds.get(4..)?);
    let (tag, es) = descriptor(&mut r)?;
    if tag != 0x03 {
        return None;
    }
    let mut r = Be::new(es);
    r.skip(2)?; // ES id
    let flags = r.u8()?;
    if flags & 0x80 != 0 {
        r.skip(2)?; // depends-on ES id
    }
    if flags & 0x40 != 0 {
        let url_len = r.u8()?;
        r.skip(url_len.into())?;
    }
    if flags & 0x20 != 0 {
        r.skip(2)?; // OCR ES id
    }
    let (tag, config) = descriptor(&mut r)?;
    if tag != 0x04 {
        return None;
    }
    let mut r = Be::new(config);
    let object_type = r.u8()?;
    // Stream type, buffer size, max and average bitrate, then the decoder-specific info.
    let specific = r.skip(12).and_then(|()| descriptor(&mut r));
    let aac_channels = match specific {
        Some((0x05, asc)) if object_type == 0x40 => aac_channels(asc),
        _ => None,
    };
    Some(DecoderConfig {
        object_type,
        aac_channels,
    })
}

/// The channel count of an AAC AudioSpecificConfig (ISO 14496-3): 5 bits of object type
/// (31 escapes to 6 more), 4 of frequency index (15 escapes to a 24-bit rate), then 4 of channel
/// configuration, where 0 means "in a program config element" (unknown here) and 7 means 7.1.
fn aac_channels(asc: &[u8]) -> Option<u16> {
    let bits = asc
        .iter()
        .take(8)
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let len = 8 * asc.len().min(8);
    let mut at = 0;
    let mut take = |n: usize| -> Option<u64> {
        at += n;
        (at <= len).then(|| (bits >> (len - at)) & ((1 << n) - 1))
    };
    if take(5)? == 31 {
        take(6)?;
    }
    if take(4)? == 15 {
        take(24)?;
    }
    match take(4)? {
        0 => None,
        7 => Some(8),
        n => Some(n as u16),
    }
}

/// An MPEG-4 descriptor: a tag, then a length in up to four 7-bit groups.
fn descriptor<'a>(r: &mut Be<'a>) -> Option<(u8, &'a [u8])> {
    let tag = r.u8()?;
    let mut len = 0usize;
    for _ in 0..4 {
        let b = r.u8()?;
        len = (len << 7) | usize::from(b & 0x7F);
        if b & 0x80 == 0 {
            break;
        }
    }
    Some((tag, r.take(len)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esds_tells_aac_from_mp3_and_counts_aac_channels() {
        let config = |object_type| DecoderConfig {
            object_type,
            aac_channels: None,
        };
        // version/flags, ES descriptor (tag 3) holding a decoder config (tag 4) of type 0x6B.
        let mp3 = [0, 0, 0, 0, 3, 8, 0, 1, 0, 4, 3, 0x6B, 0x15, 0];
        assert_eq!(decoder_config(&mp3), Some(config(0x6B)));
        // Lengths written in the 4-byte form that some muxers use.
        let aac = [0, 0, 0, 0, 3, 0x80, 0x80, 0x80, 6, 0, 1, 0, 4, 1, 0x40];
        assert_eq!(decoder_config(&aac), Some(config(0x40)));
        assert_eq!(decoder_config(&[0, 0, 0, 0, 3, 50, 0]), None);
        // AAC-LC, 44.1 kHz (index 4), mono: 00010 0100 0001 000.
        let mut mono = vec![0, 0, 0, 0, 3, 22, 0, 1, 0, 4, 17, 0x40, 0x15];
        mono.extend([0; 11]);
        mono.extend([5, 2, 0x12, 0x08]);
        let want = DecoderConfig {
            object_type: 0x40,
            aac_channels: Some(1),
        };
        assert_eq!(decoder_config(&mono), Some(want));
    }

    #[test]
    fn aac_configs_give_channel_counts() {
        let cases: [(&[u8], Option<u16>); 5] = [
            (&[0x12, 0x10], Some(2)),                   // LC, 44.1 kHz, stereo
            (&[0x11, 0x90], Some(2)),                   // LC, 48 kHz, stereo
            (&[0x11, 0xB8], Some(7 + 1)),               // LC, 48 kHz, 7.1
            (&[0x11, 0x80], None),                      // channels in a program config element
            (&[0x17, 0x80, 0x5D, 0xC0, 0x10], Some(2)), // LC, explicit 48000 Hz, stereo
        ];
        for (asc, want) in cases {
            assert_eq!(aac_channels(asc), want, "{asc:02X?}");
        }
    }
}
