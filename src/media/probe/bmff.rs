//! ISO base media file format (MP4, MOV, HEIF): box headers read from the file, box contents
//! walked in memory, and the `ftyp` brands that tell MP4, QuickTime and HEIF apart.
//!
//! Every length read here is checked against what is really there before it is used.

use super::{Input, ProbeError};
use crate::media::MediaFormat;

pub(crate) type FourCc = [u8; 4];

/// A four-character code as text for messages (`mp4a`, `qt  `); odd bytes shown as `?`.
pub(crate) fn fourcc_text(code: FourCc) -> String {
    code.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

/// A box found in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoxHeader {
    pub kind: FourCc,
    /// Where the box starts (its size field).
    pub offset: u64,
    /// 8, or 16 with a 64-bit size.
    pub header_len: u64,
    /// The whole box, header included. It may reach past the end of a truncated file.
    pub size: u64,
}

impl BoxHeader {
    pub fn body_offset(&self) -> u64 {
        self.offset + self.header_len
    }

    pub fn body_len(&self) -> u64 {
        self.size - self.header_len
    }

    /// Where the next box starts; `None` if the size overflows.
    pub fn end(&self) -> Option<u64> {
        self.offset.checked_add(self.size)
    }
}

/// Reads the header of the box at `offset`; `None` exactly at the end of the file.
pub(super) fn read_header(input: &mut Input, offset: u64) -> Result<Option<BoxHeader>, ProbeError> {
    let (buf, n) = input.up_to::<16>(offset)?;
    if n == 0 {
        return Ok(None);
    }
    if n < 8 {
        return Err(ProbeError::truncated(input.format(), "box headers"));
    }
    let size32 = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let kind = [buf[4], buf[5], buf[6], buf[7]];
    let (header_len, size) = match size32 {
        0 => (8, input.len() - offset),
        1 if n < 16 => return Err(ProbeError::truncated(input.format(), "box headers")),
        1 => {
            let large = u64::from_be_bytes([
                buf[8], buf[9], buf[10], buf[11], buf[12], buf[13], buf[14], buf[15],
            ]);
            (16, large)
        }
        n => (8, u64::from(n)),
    };
    if size < header_len {
        return Err(input.corrupt(format!(
            "the box `{}` at byte {offset} declares an impossible size of {size} bytes",
            fourcc_text(kind)
        )));
    }
    Ok(Some(BoxHeader {
        kind,
        offset,
        header_len,
        size,
    }))
}

/// The child boxes of a box held in memory, as `(kind, body)`. A trailer shorter than a box
/// header ends the list quietly (QuickTime writes 4-byte zero terminators); a box that claims
/// more bytes than its parent has is an error, and ends the list.
pub(crate) fn children(data: &[u8]) -> Boxes<'_> {
    Boxes { data, pos: 0 }
}

pub(crate) struct Boxes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Boxes<'a> {
    type Item = Result<(FourCc, &'a [u8]), String>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        let mut r = Be::new(rest);
        let size32 = r.u32()?;
        let kind: FourCc = r.array()?;
        let (header_len, size) = match size32 {
            0 => (8, rest.len() as u64),
            1 => match r.u64() {
                Some(large) => (16, large),
                None => return self.fail(kind, "a 64-bit size cut short".into()),
            },
            n => (8, u64::from(n)),
        };
        if size < header_len || size > rest.len() as u64 {
            let why = format!("{size} bytes where {} remain", rest.len());
            return self.fail(kind, why);
        }
        // Both fit in `rest`, so they fit in usize.
        let (header_len, size) = (header_len as usize, size as usize);
        self.pos += size;
        Some(Ok((kind, &rest[header_len..size])))
    }
}

impl Boxes<'_> {
    fn fail<T>(&mut self, kind: FourCc, why: String) -> Option<Result<T, String>> {
        self.pos = self.data.len();
        Some(Err(format!("the box `{}` claims {why}", fourcc_text(kind))))
    }
}

/// The body of the first child box of `kind`.
pub(crate) fn find<'a>(data: &'a [u8], kind: &FourCc) -> Result<Option<&'a [u8]>, String> {
    for child in children(data) {
        let (k, body) = child?;
        if &k == kind {
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// A big-endian reader over a slice; reading past the end gives `None`.
#[derive(Debug, Clone)]
pub(crate) struct Be<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Be<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    pub fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_be_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// A 32- or 64-bit field, as versioned full boxes write times and durations.
    pub fn u32_or_u64(&mut self, wide: bool) -> Option<u64> {
        if wide {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }
}

/// Brands of still images (HEIF, HEIC, AVIF); image sequences count as images here.
const IMAGE_BRANDS: [&FourCc; 12] = [
    b"mif1", b"mif2", b"msf1", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"avif",
    b"avis", b"avci",
];

/// Major brands of MP4 video, which win over any image brand listed as compatible.
const VIDEO_MAJOR_PREFIXES: [&[u8]; 6] = [b"iso", b"mp4", b"M4", b"3g", b"avc1", b"dash"];

/// MP4, QuickTime or HEIF, from the `ftyp` box at the start of the file.
pub(super) fn ftyp_format(input: &mut Input) -> Result<MediaFormat, ProbeError> {
    let header = read_header(input, 0)?.ok_or(ProbeError::Empty)?;
    // Brands past the first 60 cannot change the answer in practice.
    let mut buf = [0u8; 256];
    let wanted = usize::try_from(header.body_len()).map_or(buf.len(), |n| n.min(buf.len()));
    let n = input.read_some(header.body_offset(), &mut buf[..wanted])?;
    let body = &buf[..n];
    if body.len() < 8 {
        return Err(input.corrupt("the `ftyp` box is too short to name a brand"));
    }
    let major: FourCc = [body[0], body[1], body[2], body[3]];
    let compatible: Vec<FourCc> = body[8..]
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    Ok(classify_brands(major, &compatible))
}

fn classify_brands(major: FourCc, compatible: &[FourCc]) -> MediaFormat {
    let is_image = |brand: &FourCc| IMAGE_BRANDS.contains(&brand);
    if is_image(&major) {
        MediaFormat::Heif
    } else if &major == b"qt  " || compatible.contains(b"qt  ") {
        MediaFormat::Mov
    } else if !VIDEO_MAJOR_PREFIXES.iter().any(|p| major.starts_with(p))
        && compatible.iter().any(is_image)
    {
        MediaFormat::Heif
    } else {
        MediaFormat::Mp4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_decide_between_mp4_mov_and_heif() {
        let cases: [(&FourCc, &[&FourCc], MediaFormat); 8] = [
            (
                b"isom",
                &[b"isom", b"iso2", b"avc1", b"mp41"],
                MediaFormat::Mp4,
            ),
            (b"mp42", &[b"mp42", b"isom"], MediaFormat::Mp4),
            (b"qt  ", &[b"qt  "], MediaFormat::Mov),
            (b"M4V ", &[b"M4V ", b"qt  "], MediaFormat::Mov),
            (b"heic", &[b"mif1", b"heic"], MediaFormat::Heif),
            (b"avif", &[b"avif", b"mif1", b"miaf"], MediaFormat::Heif),
            (b"MiHE", &[b"mif1", b"MiHE"], MediaFormat::Heif),
            (b"isom", &[b"isom", b"mif1"], MediaFormat::Mp4),
        ];
        for (major, compatible, want) in cases {
            let compatible: Vec<FourCc> = compatible.iter().map(|b| **b).collect();
            assert_eq!(classify_brands(*major, &compatible), want, "{major:?}");
        }
    }

    #[test]
    fn child_boxes_are_bounded_by_their_parent() {
        // A 12-byte `free` box, then a box claiming 100 bytes in a 10-byte remainder.
        let mut data = vec![0, 0, 0, 12, b'f', b'r', b'e', b'e', 1, 2, 3, 4];
        data.extend([0, 0, 0, 100, b'm', b'd', b'a', b't', 0, 0]);
        let mut boxes = children(&data);
        assert_eq!(boxes.next(), Some(Ok((*b"free", &[1u8, 2, 3, 4][..]))));
        let err = boxes.next().and_then(Result::err).unwrap_or_default();
        assert!(
            err.contains("`mdat` claims 100 bytes where 10 remain"),
            "{err}"
        );
        assert_eq!(boxes.next(), None);
    }

    #[test]
    fn short_trailers_end_the_list_quietly() {
        let data = [0, 0, 0, 8, b'f', b'r', b'e', b'e', 0, 0, 0, 0];
        assert_eq!(children(&data).count(), 1);
    }

    #[test]
    fn size_zero_runs_to_the_end_of_the_parent() {
        let data = [0, 0, 0, 0, b'm', b'd', b'a', b't', 7, 7];
        let got: Vec<_> = children(&data).collect();
        assert_eq!(got, vec![Ok((*b"mdat", &[7u8, 7][..]))]);
    }
}
