//! The fonts letters are set in. DejaVu Sans, built into the binary, sets
//! Latin (Vietnamese and the rest of Latin Extended included), Greek,
//! Cyrillic, Arabic and Hebrew on any machine. A character it lacks (Chinese,
//! Japanese, Korean, Devanagari, Bengali, Thai…) is looked for among the
//! fonts installed on the machine (`/usr/share/fonts` and the like, and the
//! folders named in `CASEWORK_FONT_DIRS`), Noto first; on Debian the packages
//! `fonts-noto-core` and `fonts-noto-cjk` cover every script the office is
//! likely to meet. The choice for each character is made once and kept.

use rustybuzz::{Face, ttf_parser};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, RwLock};

/// A face's place in the book: [`REGULAR`] and [`BOLD`] are the built-in
/// ones, the others were found on the machine.
pub(crate) type FaceId = usize;
pub(crate) const REGULAR: FaceId = 0;
pub(crate) const BOLD: FaceId = 1;

/// The folders, besides the system's own, where fonts are looked for
/// (separated by `:`).
pub const FONT_DIRS_VAR: &str = "CASEWORK_FONT_DIRS";

/// A face ready to shape text with and to embed.
pub(crate) struct LoadedFace {
    pub data: &'static [u8],
    pub index: u32,
    pub face: Face<'static>,
    /// Its PostScript name (for the PDF's font name).
    pub postscript: String,
}

impl LoadedFace {
    fn new(data: &'static [u8], index: u32) -> Option<Self> {
        let face = Face::from_slice(data, index)?;
        let postscript = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "Font".to_owned())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Some(LoadedFace {
            data,
            index,
            face,
            postscript,
        })
    }

    /// Whether its outlines are CFF (embedded as CIDFontType0) rather than
    /// TrueType (CIDFontType2).
    pub fn is_cff(&self) -> bool {
        self.face.tables().cff.is_some()
    }

    pub fn units_per_em(&self) -> f32 {
        f32::from(self.face.units_per_em().max(1) as u16)
    }

    pub fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }
}

struct Book {
    faces: RwLock<Vec<Arc<LoadedFace>>>,
    /// Faces found on the machine and loaded, by their place in `System`.
    loaded: Mutex<HashMap<fontdb::ID, FaceId>>,
    /// Font files read, by path (a collection holds several faces).
    files: Mutex<HashMap<PathBuf, &'static [u8]>>,
    /// The face chosen for a character, regular or bold (`None`: no font
    /// on this machine has it).
    chosen: Mutex<HashMap<(char, bool), Option<FaceId>>>,
    system: OnceLock<System>,
}

/// The machine's fonts, in the order they are tried.
struct System {
    db: fontdb::Database,
    /// Upright faces, best first, for regular text and for bold.
    order: [Vec<fontdb::ID>; 2],
}

static BOOK: LazyLock<Book> = LazyLock::new(|| {
    let built_in = [dejavu::sans::regular(), dejavu::sans::bold()]
        .into_iter()
        .filter_map(|data| LoadedFace::new(data, 0).map(Arc::new))
        .collect::<Vec<_>>();
    assert_eq!(built_in.len(), 2, "the built-in DejaVu Sans faces parse");
    Book {
        faces: RwLock::new(built_in),
        loaded: Mutex::new(HashMap::new()),
        files: Mutex::new(HashMap::new()),
        chosen: Mutex::new(HashMap::new()),
        system: OnceLock::new(),
    }
});

/// The face with this id.
pub(crate) fn face(id: FaceId) -> Arc<LoadedFace> {
    let faces = BOOK.faces.read().unwrap_or_else(|e| e.into_inner());
    faces
        .get(id)
        .or_else(|| faces.first())
        .cloned()
        .unwrap_or_else(|| unreachable!("the book always holds the built-in faces"))
}

/// The face to set `c` in: the built-in one when it has the character,
/// else the best installed face that has it, else `None`.
pub(crate) fn face_for(c: char, bold: bool) -> Option<FaceId> {
    let primary = if bold { BOLD } else { REGULAR };
    if face(primary).has(c) {
        return Some(primary);
    }
    if let Some(known) = BOOK
        .chosen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(c, bold))
    {
        return *known;
    }
    let found = search_system(c, bold);
    BOOK.chosen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((c, bold), found);
    found
}

/// Reads the machine's font list now rather than at the first letter that
/// needs it (a server calls this once at start, off the request path).
pub fn warm_up() {
    system();
}

fn system() -> &'static System {
    BOOK.system.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        if let Some(dirs) = std::env::var_os(FONT_DIRS_VAR) {
            for dir in std::env::split_paths(&dirs) {
                db.load_fonts_dir(dir);
            }
        }
        let order = [400u16, 700].map(|weight| {
            let mut faces: Vec<&fontdb::FaceInfo> = db
                .faces()
                .filter(|f| f.style == fontdb::Style::Normal)
                .collect();
            faces.sort_by_key(|f| {
                let family = f.families.first().map(|(n, _)| n.as_str()).unwrap_or("");
                (
                    family_rank(family),
                    f.weight.0.abs_diff(weight),
                    family.to_owned(),
                    f.post_script_name.clone(),
                )
            });
            faces.into_iter().map(|f| f.id).collect()
        });
        System { db, order }
    })
}

/// Noto Sans first (it covers most scripts, in a matching design), then
/// the rest of Noto, then DejaVu, then anything.
fn family_rank(family: &str) -> u8 {
    if family.contains("Mono") || family.contains("Emoji") {
        5
    } else if family.starts_with("Noto Sans") {
        0
    } else if family.starts_with("Noto") {
        1
    } else if family.starts_with("DejaVu Sans") {
        2
    } else {
        3
    }
}

/// The family a character of Chinese, Japanese or Korean is best set in:
/// Han in the simplified Chinese face, kana in the Japanese, Hangul in the
/// Korean (the faces of one Noto CJK collection otherwise differ only in
/// their preferred glyph forms).
fn cjk_preference(c: char) -> Option<&'static str> {
    match c as u32 {
        0x3040..=0x30ff | 0x31f0..=0x31ff | 0xff66..=0xff9f => Some("JP"),
        0x1100..=0x11ff | 0x3130..=0x318f | 0xa960..=0xa97f | 0xac00..=0xd7ff => Some("KR"),
        0x2e80..=0x2fdf
        | 0x3000..=0x303f
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xf900..=0xfaff
        | 0x20000..=0x3134f => Some("SC"),
        _ => None,
    }
}

fn search_system(c: char, bold: bool) -> Option<FaceId> {
    let system = system();
    let order = &system.order[usize::from(bold)];
    let covers = |id: &fontdb::ID| {
        system
            .db
            .with_face_data(*id, |data, index| {
                ttf_parser::Face::parse(data, index)
                    .ok()
                    .and_then(|f| f.glyph_index(c))
                    .is_some()
            })
            .unwrap_or(false)
    };
    let preferred = cjk_preference(c).and_then(|tag| {
        order.iter().find(|id| {
            system.db.face(**id).is_some_and(|f| {
                f.families
                    .first()
                    .is_some_and(|(n, _)| n.starts_with("Noto Sans CJK") && n.ends_with(tag))
            }) && covers(id)
        })
    });
    let id = preferred.or_else(|| order.iter().find(|id| covers(id)))?;
    load_system_face(*id)
}

fn load_system_face(id: fontdb::ID) -> Option<FaceId> {
    let mut loaded = BOOK.loaded.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = loaded.get(&id) {
        return Some(*known);
    }
    let (source, index) = system().db.face_source(id)?;
    let data: &'static [u8] = match source {
        fontdb::Source::Binary(data) => Box::leak((*data).as_ref().to_vec().into_boxed_slice()),
        fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => {
            let mut files = BOOK.files.lock().unwrap_or_else(|e| e.into_inner());
            match files.get(&path) {
                Some(data) => data,
                None => {
                    // Kept for the life of the process: a face once used
                    // for a letter is likely to be used again.
                    let data: &'static [u8] =
                        Box::leak(std::fs::read(&path).ok()?.into_boxed_slice());
                    files.insert(path, data);
                    data
                }
            }
        }
    };
    let face = Arc::new(LoadedFace::new(data, index)?);
    let mut faces = BOOK.faces.write().unwrap_or_else(|e| e.into_inner());
    faces.push(face);
    let new_id = faces.len() - 1;
    loaded.insert(id, new_id);
    Some(new_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_face_sets_latin_greek_cyrillic_arabic_and_hebrew() {
        for c in "ŁukaszNguyễnΑλέξανδροςАлександрمحمدדוד".chars() {
            assert_eq!(face_for(c, false), Some(REGULAR), "{c}");
            assert_eq!(face_for(c, true), Some(BOLD), "{c}");
        }
        assert!(!face(REGULAR).is_cff());
    }
}
