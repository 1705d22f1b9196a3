//! Text to glyphs: a line is put in display order (Unicode bidi, so Arabic
//! and Hebrew read right to left inside a left-to-right letter), cut into
//! runs by the font each character is set in, and shaped (`rustybuzz`:
//! Arabic joining, Vietnamese stacked accents, kerning). Widths are in
//! thousandths of the font size, as PDF counts them.

use crate::fonts::{self, BOLD, FaceId, REGULAR};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// One glyph placed on a line.
#[derive(Debug, Clone)]
pub(crate) struct Glyph {
    pub face: FaceId,
    pub id: u16,
    /// The text it stands for (empty for the second and later glyphs of
    /// one cluster), for copying and searching the PDF.
    pub text: String,
    /// How far the pen moves, and where the glyph sits from the pen.
    pub advance: f32,
    /// The glyph's own width in the font (what a PDF reader moves by).
    pub natural: f32,
    pub x_offset: f32,
    pub y_offset: f32,
}

/// A line shaped, left to right as it is drawn.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shaped {
    pub glyphs: Vec<Glyph>,
    /// Characters no font on this machine has (drawn as empty boxes).
    pub missing: Vec<char>,
}

impl Shaped {
    /// Its width in points at `size`.
    pub fn width(&self, size: f32) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum::<f32>() * size / 1000.0
    }
}

/// Characters that take the font of the character before them: marks
/// (accents, vowel signs), joiners and variation selectors.
fn follows(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Mark
        || matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}')
}

/// Characters set in the font of the run they are in when it has them
/// (spaces and punctuation between words of one script).
fn neutral(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation()
}

/// Cuts `text` (one bidi run) into pieces set in one face each.
fn by_face(text: &str, bold: bool, missing: &mut Vec<char>) -> Vec<(usize, usize, FaceId)> {
    let primary = if bold { BOLD } else { REGULAR };
    let mut pieces: Vec<(usize, usize, FaceId)> = Vec::new();
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let current = pieces.last().map(|p| p.2);
        let face = match current {
            Some(f) if follows(c) => f,
            Some(f) if neutral(c) && fonts::face(f).has(c) => f,
            _ => fonts::face_for(c, bold).unwrap_or_else(|| {
                if !c.is_control() && !missing.contains(&c) {
                    missing.push(c);
                }
                current.unwrap_or(primary)
            }),
        };
        match pieces.last_mut() {
            Some(last) if last.2 == face => last.1 = end,
            _ => pieces.push((at, end, face)),
        }
    }
    pieces
}

/// Shapes one piece in one face and direction; glyphs come out left to
/// right as drawn.
fn shape_piece(text: &str, face_id: FaceId, rtl: bool, out: &mut Vec<Glyph>) {
    let face = fonts::face(face_id);
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    let shaped = rustybuzz::shape(&face.face, &[], buffer);
    let scale = 1000.0 / face.units_per_em();
    let infos = shaped.glyph_infos();
    let positions = shaped.glyph_positions();
    let mut clusters: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let mut given = Vec::new();
    for (info, pos) in infos.iter().zip(positions) {
        let start = info.cluster as usize;
        let end = clusters
            .iter()
            .find(|c| **c > start)
            .copied()
            .unwrap_or(text.len());
        let text = if given.contains(&start) {
            String::new()
        } else {
            given.push(start);
            let cluster = text.get(start..end).unwrap_or_default();
            if rtl {
                // Readers (poppler's pdftotext, pdf.js) put a right-to-left
                // run back in reading order by reversing its characters,
                // those of a ligature too: "لا" (lam-alef, one glyph) is
                // kept reversed so that it comes back as written, and
                // "صلاح" does not read "صالح".
                cluster.chars().rev().collect()
            } else {
                cluster.to_owned()
            }
        };
        out.push(Glyph {
            face: face_id,
            id: u16::try_from(info.glyph_id).unwrap_or(0),
            text,
            advance: pos.x_advance as f32 * scale,
            natural: f32::from(
                face.face
                    .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(info.glyph_id as u16))
                    .unwrap_or(0),
            ) * scale,
            x_offset: pos.x_offset as f32 * scale,
            y_offset: pos.y_offset as f32 * scale,
        });
    }
}

/// Shapes one line of text (no line breaks in it) for drawing.
pub(crate) fn shape_line(line: &str, bold: bool) -> Shaped {
    let mut shaped = Shaped::default();
    if line.is_empty() {
        return shaped;
    }
    // A letter reads left to right; runs of Arabic or Hebrew inside it
    // (a name, an address) read right to left.
    let info = BidiInfo::new(line, Some(Level::ltr()));
    for paragraph in &info.paragraphs {
        let (levels, runs) = info.visual_runs(paragraph, paragraph.range.clone());
        for run in runs {
            let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
            let text = &line[run.clone()];
            let mut pieces = by_face(text, bold, &mut shaped.missing);
            if rtl {
                pieces.reverse();
            }
            for (start, end, face) in pieces {
                shape_piece(&text[start..end], face, rtl, &mut shaped.glyphs);
            }
        }
    }
    shaped
}

/// The width of `text` in points at `size` (for wrapping and aligning).
pub(crate) fn width(text: &str, size: f32, bold: bool) -> f32 {
    shape_line(text, bold).width(size)
}

/// Breaks a paragraph into lines no wider than `width` points.
pub(crate) fn wrap(paragraph: &str, size: f32, max: f32, bold: bool) -> Vec<String> {
    let space = width(" ", size, bold);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    for word in paragraph.split_whitespace() {
        let w = width(word, size, bold);
        if line.is_empty() {
            line = word.to_owned();
            line_width = w;
        } else if line_width + space + w <= max {
            line.push(' ');
            line.push_str(word);
            line_width += space + w;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
            line_width = w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The characters of `text` that no font on this machine can print.
pub fn unprintable(text: &str) -> Vec<char> {
    let mut missing = Vec::new();
    for line in text.lines() {
        for c in shape_line(line, false).missing {
            if !missing.contains(&c) {
                missing.push(c);
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_inside_a_latin_line_is_drawn_right_to_left_and_joined() {
        let name = "محمد";
        let alone = shape_line(name, false);
        // Joined forms, drawn right to left: the last letter (dal) first.
        assert_eq!(alone.glyphs.len(), 4);
        assert_eq!(alone.glyphs[0].text, "د");
        assert_eq!(alone.glyphs[3].text, "م");
        let isolated = shape_line("م", false).glyphs[0].id;
        assert_ne!(
            alone.glyphs[3].id, isolated,
            "the initial form, not the isolated"
        );
        let mixed = shape_line(&format!("Dear {name},"), false);
        let texts: String = mixed.glyphs.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(texts, "Dear دمحم,");
        assert!(mixed.missing.is_empty());
    }

    #[test]
    fn wrapped_lines_fit() {
        let text = "Nguyễn Thị Minh Khai wrote about her passport. ".repeat(10);
        for line in wrap(&text, 11.0, 300.0, false) {
            assert!(width(&line, 11.0, false) <= 300.0, "{line}");
        }
    }
}
