//! Fonts into the PDF: each face a letter uses is embedded once, cut down
//! to the glyphs used (`subsetter`), as a CID font addressed by glyph, with
//! a `ToUnicode` map so that the text can be copied, searched and read
//! back (`pdftotext`) exactly as it was written.

use crate::fonts::{self, FaceId};
use crate::shape::Glyph;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use rustybuzz::ttf_parser::{GlyphId, RawFace, Tag};
use std::collections::BTreeMap;
use subsetter::GlyphRemapper;

const IDENTITY: SystemInfo<'static> = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// The glyphs one face draws, renumbered for its subset, and the text each
/// stands for.
struct FaceUse {
    remapper: GlyphRemapper,
    text: BTreeMap<u16, String>,
}

/// The faces a document uses so far.
#[derive(Default)]
pub(crate) struct Used {
    faces: BTreeMap<FaceId, FaceUse>,
}

/// The name a face goes by in a page's resources.
pub(crate) fn resource_name(face: FaceId) -> String {
    format!("F{face}")
}

impl Used {
    /// Records a glyph drawn; gives the number it is drawn with.
    pub fn glyph(&mut self, g: &Glyph) -> u16 {
        let used = self.faces.entry(g.face).or_insert_with(|| FaceUse {
            remapper: GlyphRemapper::new(),
            text: BTreeMap::new(),
        });
        let id = used.remapper.remap(g.id);
        if !g.text.is_empty() {
            used.text.entry(id).or_insert_with(|| g.text.clone());
        }
        id
    }

    /// Writes every face's objects, numbered from `next` on; gives each
    /// face's font object.
    pub fn write(&self, pdf: &mut Pdf, next: &mut i32) -> Vec<(FaceId, Ref)> {
        let mut alloc = || {
            let r = Ref::new(*next);
            *next += 1;
            r
        };
        let mut written = Vec::new();
        for (&face_id, used) in &self.faces {
            let face = fonts::face(face_id);
            let (type0, cid, descriptor, cmap, file) =
                (alloc(), alloc(), alloc(), alloc(), alloc());
            let scale = 1000.0 / face.units_per_em();
            let name = format!("{}+{}", subset_tag(face_id, used), face.postscript);
            let cff = face.is_cff();

            pdf.type0_font(type0)
                .base_font(Name(name.as_bytes()))
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);

            let widths: Vec<f32> = used
                .remapper
                .remapped_gids()
                .map(|old| {
                    f32::from(face.face.glyph_hor_advance(GlyphId(old)).unwrap_or(0)) * scale
                })
                .collect();
            let mut cid_font = pdf.cid_font(cid);
            cid_font
                .subtype(if cff {
                    CidFontType::Type0
                } else {
                    CidFontType::Type2
                })
                .base_font(Name(name.as_bytes()))
                .system_info(IDENTITY)
                .font_descriptor(descriptor)
                .default_width(0.0);
            if !cff {
                cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
            }
            cid_font.widths().consecutive(0, widths);
            cid_font.finish();

            let f = &face.face;
            let bbox = f.global_bounding_box();
            let weight = f.weight().to_number();
            let subset = subset(face.data, face.index, &used.remapper, cff);
            let mut d = pdf.font_descriptor(descriptor);
            d.name(Name(name.as_bytes()))
                .flags(FontFlags::SYMBOLIC)
                .bbox(Rect::new(
                    f32::from(bbox.x_min) * scale,
                    f32::from(bbox.y_min) * scale,
                    f32::from(bbox.x_max) * scale,
                    f32::from(bbox.y_max) * scale,
                ))
                .italic_angle(f.italic_angle())
                .ascent(f32::from(f.ascender()) * scale)
                .descent(f32::from(f.descender()) * scale)
                .cap_height(f32::from(f.capital_height().unwrap_or(f.ascender())) * scale)
                .stem_v(10.0 + 0.244 * (f32::from(weight) - 50.0));
            if subset.is_some() {
                if cff {
                    d.font_file3(file);
                } else {
                    d.font_file2(file);
                }
            }
            d.finish();
            if let Some(data) = subset {
                let packed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
                let mut stream = pdf.stream(file, &packed);
                stream.filter(Filter::FlateDecode);
                if cff {
                    stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
                }
            }

            let mut map = UnicodeCmap::new(Name(b"Casework-UTF16"), IDENTITY);
            for (id, text) in &used.text {
                map.pair_with_multiple(*id, text.chars());
            }
            pdf.stream(cmap, &map.finish());
            written.push((face_id, type0));
        }
        written
    }
}

/// The face cut down to the glyphs used: a TrueType font, or for CFF
/// outlines the bare CFF table (as PDF embeds it). `None` if the face
/// cannot be cut (the text then shows in a viewer's substitute font).
fn subset(data: &[u8], index: u32, remapper: &GlyphRemapper, cff: bool) -> Option<Vec<u8>> {
    let font = subsetter::subset(data, index, remapper).ok()?;
    if !cff {
        return Some(font);
    }
    let raw = RawFace::parse(&font, 0).ok()?;
    raw.table(Tag::from_bytes(b"CFF ")).map(<[u8]>::to_vec)
}

/// Six capital letters naming this subset (PDF's `ABCDEF+Font` form).
fn subset_tag(face: FaceId, used: &FaceUse) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ face as u64;
    for g in used.remapper.remapped_gids() {
        h = (h ^ u64::from(g)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}
