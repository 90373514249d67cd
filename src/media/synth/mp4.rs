//! Hand-assembled MP4 / MOV files: `ftyp`, a complete `moov` (movie header, a video track and
//! optionally an audio track, each with a full sample table), and an `mdat` of placeholder
//! samples of a few bytes. [`crate::media::probe_bytes`] reads back exactly what was asked.

/// Bytes per placeholder sample: enough for every sample to have its own offset.
const SAMPLE_BYTES: u32 = 4;
/// Video media timescale: divisible by 24, 25, 30, 50 and 60, and by 1001 multiples for
/// 23.976, 29.97 and 59.94 fps.
const VIDEO_TIMESCALE: u32 = 120_000;
/// AAC frames hold 1024 samples each.
const AAC_FRAME: u32 = 1024;

/// What [`mp4`] builds. `Default` is a typical phone reel: 1080×1920 H.264 at 30 fps, 10 s,
/// AAC 48 kHz stereo, fast start, no edit list.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoSpec {
    /// Width as displayed (after `rotation`).
    pub width: u32,
    /// Height as displayed (after `rotation`).
    pub height: u32,
    /// Written as the movie duration (timescale 1000), so read back exactly.
    pub duration_ms: u64,
    /// Frames per second, read back to within 0.01.
    pub fps: f64,
    /// The sample entry four-cc: `avc1`, `hvc1`, `vp09`, `av01`, or anything else.
    pub codec: [u8; 4],
    /// Clockwise rotation of the track matrix: 0, 90, 180 or 270. With 90 or 270 the frames are
    /// stored `height`×`width`, as phones record portrait video.
    pub rotation: u16,
    /// `moov` before `mdat` ("fast start").
    pub moov_first: bool,
    /// Give the video track an edit list (`edts`/`elst`).
    pub edit_list: bool,
    /// Brand the file QuickTime (`qt  `) instead of MP4 (`isom`).
    pub quicktime: bool,
    pub audio: Option<AudioSpec>,
}

/// An audio track. `Default` is AAC (`mp4a`) at 48 kHz, stereo.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioSpec {
    /// `mp4a` (AAC, with its `esds`), or another four-cc such as `Opus` or `ac-3`.
    pub codec: [u8; 4],
    pub sample_rate: u32,
    pub channels: u16,
}

impl Default for VideoSpec {
    fn default() -> Self {
        Self {
            width: 1080,
            height: 1920,
            duration_ms: 10_000,
            fps: 30.0,
            codec: *b"avc1",
            rotation: 0,
            moov_first: true,
            edit_list: false,
            quicktime: false,
            audio: Some(AudioSpec::default()),
        }
    }
}

impl Default for AudioSpec {
    fn default() -> Self {
        Self {
            codec: *b"mp4a",
            sample_rate: 48_000,
            channels: 2,
        }
    }
}

/// A box: 32-bit size, type, body.
pub(super) fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let size = u32::try_from(body.len() + 8).unwrap_or(u32::MAX);
    [&size.to_be_bytes()[..], kind, body].concat()
}

/// A full box: a box whose body starts with a version byte and 24 bits of flags.
pub(super) fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let flags = flags.to_be_bytes();
    bx(
        kind,
        &[&[version, flags[1], flags[2], flags[3]][..], body].concat(),
    )
}

fn be32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// One track's samples, all in one chunk.
struct Samples {
    count: u32,
    delta: u32,
    timescale: u32,
}

impl Samples {
    fn bytes(&self) -> u64 {
        u64::from(self.count) * u64::from(SAMPLE_BYTES)
    }
}

/// Builds the MP4 (or MOV) described by `spec`.
pub fn mp4(spec: &VideoSpec) -> Vec<u8> {
    let fps = if spec.fps.is_finite() && spec.fps > 0.0 {
        spec.fps
    } else {
        30.0
    };
    let video = Samples {
        count: ((spec.duration_ms as f64 * fps / 1000.0).round() as u32).max(1),
        delta: (f64::from(VIDEO_TIMESCALE) / fps).round().max(1.0) as u32,
        timescale: VIDEO_TIMESCALE,
    };
    let audio = spec.audio.as_ref().map(|a| {
        let rate = a.sample_rate.max(1);
        let samples = spec.duration_ms * u64::from(rate) / 1000;
        let count = samples.div_ceil(u64::from(AAC_FRAME)).max(1);
        (
            a,
            Samples {
                count: count as u32,
                delta: AAC_FRAME,
                timescale: rate,
            },
        )
    });
    let ftyp = if spec.quicktime {
        bx(
            b"ftyp",
            &[&b"qt  "[..], &0x2005_0300u32.to_be_bytes(), b"qt  "].concat(),
        )
    } else {
        bx(
            b"ftyp",
            &[&b"isom"[..], &0x200u32.to_be_bytes(), b"isomiso2avc1mp41"].concat(),
        )
    };
    let moov_at = |mdat_body_at: u64| moov(spec, &video, audio.as_ref(), mdat_body_at);
    let mdat_len = video.bytes() + audio.as_ref().map_or(0, |(_, s)| s.bytes());
    let mdat = bx(b"mdat", &vec![0u8; mdat_len as usize]);
    if spec.moov_first {
        // The moov's size does not depend on the offsets written in it.
        let mdat_body_at = (ftyp.len() + moov_at(0).len() + 8) as u64;
        [ftyp, moov_at(mdat_body_at), mdat].concat()
    } else {
        let mdat_body_at = (ftyp.len() + 8) as u64;
        [ftyp, mdat, moov_at(mdat_body_at)].concat()
    }
}

fn moov(
    spec: &VideoSpec,
    video: &Samples,
    audio: Option<&(&AudioSpec, Samples)>,
    mdat_body_at: u64,
) -> Vec<u8> {
    let duration = spec.duration_ms as u32;
    let identity = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];
    let mvhd = full(
        b"mvhd",
        0,
        0,
        &[
            be32(&[0, 0, 1000, duration, 0x0001_0000]),
            vec![0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // volume 1.0, reserved
            be32(&identity),
            vec![0; 24],
            be32(&[3]), // next track id
        ]
        .concat(),
    );
    let mut out = [mvhd, video_trak(spec, video, duration, mdat_body_at)].concat();
    if let Some((audio_spec, samples)) = audio {
        out.extend(audio_trak(
            audio_spec,
            samples,
            duration,
            mdat_body_at + video.bytes(),
        ));
    }
    bx(b"moov", &out)
}

fn tkhd(
    track_id: u32,
    duration: u32,
    volume: u16,
    matrix: [i32; 9],
    width: u32,
    height: u32,
) -> Vec<u8> {
    let matrix: Vec<u8> = matrix.iter().flat_map(|v| v.to_be_bytes()).collect();
    full(
        b"tkhd",
        0,
        3,
        &[
            be32(&[0, 0, track_id, 0, duration, 0, 0]),
            vec![0, 0, 0, 0], // layer, alternate group
            volume.to_be_bytes().to_vec(),
            vec![0, 0],
            matrix,
            be32(&[width << 16, height << 16]),
        ]
        .concat(),
    )
}

fn mdhd_hdlr(samples: &Samples, handler: &[u8; 4], name: &[u8]) -> Vec<u8> {
    let mdhd = full(
        b"mdhd",
        0,
        0,
        &[
            be32(&[0, 0, samples.timescale, samples.count * samples.delta]),
            vec![0x55, 0xC4, 0, 0], // language "und"
        ]
        .concat(),
    );
    let hdlr = full(
        b"hdlr",
        0,
        0,
        &[&[0u8; 4][..], handler, &[0; 12], name, b"\0"].concat(),
    );
    [mdhd, hdlr].concat()
}

fn dinf() -> Vec<u8> {
    let url = full(b"url ", 0, 1, &[]); // flag 1: data in this file
    bx(b"dinf", &full(b"dref", 0, 0, &[be32(&[1]), url].concat()))
}

fn stbl(entry: Vec<u8>, samples: &Samples, chunk_at: u64) -> Vec<u8> {
    let stsd = full(b"stsd", 0, 0, &[be32(&[1]), entry].concat());
    let stts = full(b"stts", 0, 0, &be32(&[1, samples.count, samples.delta]));
    let stsc = full(b"stsc", 0, 0, &be32(&[1, 1, samples.count, 1]));
    let stsz = full(b"stsz", 0, 0, &be32(&[SAMPLE_BYTES, samples.count]));
    let stco = full(b"stco", 0, 0, &be32(&[1, chunk_at as u32]));
    bx(b"stbl", &[stsd, stts, stsc, stsz, stco].concat())
}

fn video_trak(spec: &VideoSpec, samples: &Samples, duration: u32, chunk_at: u64) -> Vec<u8> {
    // Frames are stored turned back from how they are displayed.
    let (coded_w, coded_h) = match spec.rotation % 180 {
        90 => (spec.height, spec.width),
        _ => (spec.width, spec.height),
    };
    let (one, w, h) = (0x0001_0000, (coded_w << 16) as i32, (coded_h << 16) as i32);
    let matrix = match spec.rotation {
        90 => [0, one, 0, -one, 0, 0, h, 0, 0x4000_0000],
        180 => [-one, 0, 0, 0, -one, 0, w, h, 0x4000_0000],
        270 => [0, -one, 0, one, 0, 0, 0, w, 0x4000_0000],
        _ => [one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000],
    };
    let mut trak = tkhd(1, duration, 0, matrix, coded_w, coded_h);
    if spec.edit_list {
        let elst = full(b"elst", 0, 0, &be32(&[1, duration, 0, 0x0001_0000]));
        trak.extend(bx(b"edts", &elst));
    }
    let config = match &spec.codec {
        b"avc1" | b"avc3" => bx(b"avcC", &[1, 66, 0xC0, 30, 0xFF, 0xE0, 0x00]),
        b"hvc1" | b"hev1" => bx(b"hvcC", &[&[1u8][..], &[0; 20], &[0x0F, 0x00]].concat()),
        _ => Vec::new(),
    };
    let mut compressor = [0u8; 32];
    compressor[..8].copy_from_slice(b"\x07postcal");
    let entry = bx(
        &spec.codec,
        &[
            vec![0; 6],
            vec![0, 1], // data reference index
            vec![0; 16],
            ((coded_w as u16).to_be_bytes()).to_vec(),
            ((coded_h as u16).to_be_bytes()).to_vec(),
            be32(&[0x0048_0000, 0x0048_0000, 0]), // 72 dpi, reserved
            vec![0, 1],                           // frames per sample
            compressor.to_vec(),
            vec![0x00, 0x18, 0xFF, 0xFF], // depth 24, pre-defined -1
            config,
        ]
        .concat(),
    );
    let vmhd = full(b"vmhd", 0, 1, &[0; 8]);
    let minf = bx(
        b"minf",
        &[vmhd, dinf(), stbl(entry, samples, chunk_at)].concat(),
    );
    let mdia = bx(
        b"mdia",
        &[mdhd_hdlr(samples, b"vide", b"VideoHandler"), minf].concat(),
    );
    trak.extend(mdia);
    bx(b"trak", &trak)
}

/// MPEG-4 AAC sampling-frequency indices (ISO 14496-3).
const AAC_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

fn audio_trak(spec: &AudioSpec, samples: &Samples, duration: u32, chunk_at: u64) -> Vec<u8> {
    let identity = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];
    let trak = tkhd(2, duration, 0x0100, identity, 0, 0);
    // 16.16 fixed point cannot hold rates above 65535 Hz; readers then use the timescale.
    let rate_field = if spec.sample_rate <= 0xFFFF {
        spec.sample_rate << 16
    } else {
        0
    };
    let esds = if &spec.codec == b"mp4a" {
        esds(spec)
    } else {
        Vec::new()
    };
    let entry = bx(
        &spec.codec,
        &[
            vec![0; 6],
            vec![0, 1], // data reference index
            vec![0; 8], // version, revision, vendor
            spec.channels.to_be_bytes().to_vec(),
            vec![0, 16, 0, 0, 0, 0], // 16-bit samples, compression id, packet size
            rate_field.to_be_bytes().to_vec(),
            esds,
        ]
        .concat(),
    );
    let smhd = full(b"smhd", 0, 0, &[0; 4]);
    let minf = bx(
        b"minf",
        &[smhd, dinf(), stbl(entry, samples, chunk_at)].concat(),
    );
    let mdia = bx(
        b"mdia",
        &[mdhd_hdlr(samples, b"soun", b"SoundHandler"), minf].concat(),
    );
    bx(b"trak", &[trak, mdia].concat())
}

/// `esds` for AAC-LC: an ES descriptor holding the decoder config and AudioSpecificConfig.
fn esds(spec: &AudioSpec) -> Vec<u8> {
    let channels = (spec.channels.min(7) as u8) & 0x0F;
    let asc = match AAC_RATES.iter().position(|&r| r == spec.sample_rate) {
        // object type 2 (LC, 5 bits), frequency index (4), channel configuration (4), 3 zero bits
        Some(index) => ((2u16 << 11) | ((index as u16) << 7) | (u16::from(channels) << 3))
            .to_be_bytes()
            .to_vec(),
        None => {
            let bits = (2u64 << 35)
                | (0xF << 31)
                | (u64::from(spec.sample_rate & 0xFF_FFFF) << 7)
                | (u64::from(channels) << 3);
            bits.to_be_bytes()[3..].to_vec()
        }
    };
    let descriptor = |tag: u8, body: Vec<u8>| [vec![tag, body.len() as u8], body].concat();
    let decoder_specific = descriptor(0x05, asc);
    let config = descriptor(
        0x04,
        [
            vec![0x40, 0x15, 0, 0, 0], // AAC, audio stream, buffer size
            be32(&[128_000, 128_000]), // max and average bitrate
            decoder_specific,
        ]
        .concat(),
    );
    let es = descriptor(
        0x03,
        [vec![0, 2, 0], config, descriptor(0x06, vec![0x02])].concat(),
    );
    full(b"esds", 0, 0, &es)
}
