//! Pages: text drawn in embedded fonts (see `embed`), logos, the DRAFT
//! mark, and the finished PDF.

use crate::embed::{Used, resource_name};
use crate::logo::{Logo, Pixels};
use crate::shape::{Glyph, shape_line};

use crate::{Logos, Paper};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

/// The weight text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Regular,
    Bold,
}

/// The logo's box at the top right: at most this high and wide (points).
const LOGO_MAX_H: f32 = 56.0;
const LOGO_MAX_W: f32 = 170.0;

pub(crate) struct Page {
    content: Content,
    size: (f32, f32),
}

pub(crate) struct Writer {
    pub pages: Vec<Page>,
    /// The current line's baseline, from the foot of the page.
    pub y: f32,
    /// Space kept free at the top and the foot of a page, and at the sides.
    pub margin: f32,
    pub paper: Paper,
    /// Whether pages started now are marked DRAFT.
    pub draft: bool,
    /// Logos placed so far, in the order their images are written.
    images: Vec<String>,
    used: Used,
    /// Characters no font on this machine has.
    pub missing: Vec<char>,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            pages: Vec::new(),
            y: 0.0,
            margin: 64.0,
            paper: Paper::A4,
            draft: false,
            images: Vec::new(),
            used: Used::default(),
            missing: Vec::new(),
        }
    }

    pub fn width(&self) -> f32 {
        self.paper.size().0
    }

    pub fn height(&self) -> f32 {
        self.paper.size().1
    }

    /// Starts a page of the current paper (marked DRAFT when drafting).
    pub fn new_page(&mut self) {
        self.pages.push(Page {
            content: Content::new(),
            size: self.paper.size(),
        });
        self.y = self.height() - self.margin;
        if self.draft {
            self.draft_mark();
        }
    }

    fn content(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last].content
    }

    pub fn line(&mut self, style: Style, size: f32, x: f32, text: &str) {
        self.same_line(style, size, x, text);
        self.y -= size * 1.35;
    }

    /// Draws text on the current line without moving down (a label with
    /// its value beside it), starting a new page at the foot of one.
    pub fn same_line(&mut self, style: Style, size: f32, x: f32, text: &str) {
        if self.pages.is_empty() || self.y < self.margin + 15.0 {
            self.new_page();
        }
        let y = self.y;
        self.text_at(style, size, x, y, text);
    }

    /// Draws one line of text with its baseline starting at (x, y).
    pub fn text_at(&mut self, style: Style, size: f32, x: f32, y: f32, text: &str) {
        if self.pages.is_empty() {
            self.new_page();
        }
        let page = self.pages.len() - 1;
        self.text_on(page, style, size, x, y, text);
    }

    /// Draws one line of text on the page `page` (counted from 0).
    pub fn text_on(&mut self, page: usize, style: Style, size: f32, x: f32, y: f32, text: &str) {
        let shaped = shape_line(text, style == Style::Bold);
        for c in shaped.missing {
            if !self.missing.contains(&c) {
                self.missing.push(c);
            }
        }
        let codes: Vec<u16> = shaped.glyphs.iter().map(|g| self.used.glyph(g)).collect();
        let Some(content) = self.pages.get_mut(page).map(|p| &mut p.content) else {
            return;
        };
        content.begin_text();
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        let mut start = 0;
        let mut face = None;
        let mut rise = 0.0;
        while start < shaped.glyphs.len() {
            let first = &shaped.glyphs[start];
            let end = shaped.glyphs[start..]
                .iter()
                .position(|g| g.face != first.face || g.y_offset != first.y_offset)
                .map_or(shaped.glyphs.len(), |n| start + n);
            if face != Some(first.face) {
                content.set_font(Name(resource_name(first.face).as_bytes()), size);
                face = Some(first.face);
            }
            let want = first.y_offset * size / 1000.0;
            if want != rise {
                content.set_rise(want);
                rise = want;
            }
            show(content, &shaped.glyphs[start..end], &codes[start..end]);
            start = end;
        }
        content.end_text();
    }

    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// Draws a logo with its top right corner at (right, top).
    pub fn logo(&mut self, key: &str, logo: &Logo, right: f32, top: f32) {
        let index = match self.images.iter().position(|k| k == key) {
            Some(i) => i,
            None => {
                self.images.push(key.to_owned());
                self.images.len() - 1
            }
        };
        let (w, h) = (logo.width as f32, logo.height as f32);
        let scale = (LOGO_MAX_H / h).min(LOGO_MAX_W / w);
        let (w, h) = (w * scale, h * scale);
        let content = self.content();
        content.save_state();
        content.transform([w, 0.0, 0.0, h, right - w, top - h]);
        content.x_object(Name(format!("Im{index}").as_bytes()));
        content.restore_state();
    }

    /// "DRAFT" across the middle of the page, in light grey under the
    /// text (level, so that it reads as one word when the text is
    /// extracted).
    fn draft_mark(&mut self) {
        let (w, h) = (self.width(), self.height());
        let size = 120.0;
        let shaped = shape_line("DRAFT", true);
        let x = (w - shaped.width(size)) / 2.0;
        let codes: Vec<u16> = shaped.glyphs.iter().map(|g| self.used.glyph(g)).collect();
        let content = self.content();
        content.save_state();
        content.set_fill_gray(0.88);
        content.begin_text();
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, h / 2.0 - size * 0.35]);
        if let Some(g) = shaped.glyphs.first() {
            content.set_font(Name(resource_name(g.face).as_bytes()), size);
        }
        show(content, &shaped.glyphs, &codes);
        content.end_text();
        content.restore_state();
    }

    /// Writes the document.
    pub fn finish(self, logos: &Logos) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let mut next = 3;
        let fonts = self.used.write(&mut pdf, &mut next);
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let page_ids: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();
        let image_ids: Vec<(Ref, Ref)> = self.images.iter().map(|_| (alloc(), alloc())).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().map(|p| p.0))
            .count(page_ids.len() as i32);
        for (page, (page_id, content_id)) in self.pages.into_iter().zip(&page_ids) {
            let mut p = pdf.page(*page_id);
            p.media_box(Rect::new(0.0, 0.0, page.size.0, page.size.1));
            p.parent(tree);
            p.contents(*content_id);
            let mut resources = p.resources();
            let mut font_dict = resources.fonts();
            for (face, id) in &fonts {
                font_dict.pair(Name(resource_name(*face).as_bytes()), *id);
            }
            font_dict.finish();
            if !image_ids.is_empty() {
                let mut xobjects = resources.x_objects();
                for (n, (id, _)) in image_ids.iter().enumerate() {
                    xobjects.pair(Name(format!("Im{n}").as_bytes()), *id);
                }
                xobjects.finish();
            }
            resources.finish();
            p.finish();
            let packed = miniz_oxide::deflate::compress_to_vec_zlib(&page.content.finish(), 6);
            pdf.stream(*content_id, &packed).filter(Filter::FlateDecode);
        }
        for (key, (id, mask_id)) in self.images.iter().zip(&image_ids) {
            if let Some(logo) = logos.get(key) {
                write_image(&mut pdf, logo, *id, *mask_id);
            }
        }
        pdf.finish()
    }
}

/// Shows glyphs of one face as one `TJ`, moving each by what shaping says
/// (kerning, marks) where that differs from the font's own width.
fn show(content: &mut Content, glyphs: &[Glyph], codes: &[u16]) {
    let mut tj = content.show_positioned();
    let mut items = tj.items();
    let mut run: Vec<u8> = Vec::new();
    let mut pending = 0.0f32;
    for (g, code) in glyphs.iter().zip(codes) {
        // Positive numbers move the pen left, in thousandths of the size.
        pending -= g.x_offset;
        if pending.abs() > 0.01 {
            if !run.is_empty() {
                items.show(Str(&run));
                run.clear();
            }
            items.adjust(pending);
        }
        pending = 0.0;
        run.extend_from_slice(&code.to_be_bytes());
        pending += g.natural + g.x_offset - g.advance;
    }
    if !run.is_empty() {
        items.show(Str(&run));
    }
    if pending.abs() > 0.01 {
        items.adjust(pending);
    }
}

fn write_image(pdf: &mut Pdf, logo: &Logo, id: Ref, mask_id: Ref) {
    let (width, height) = (logo.width as i32, logo.height as i32);
    match &logo.pixels {
        Pixels::Jpeg { data, components } => {
            let mut image = pdf.image_xobject(id, data);
            image.filter(Filter::DctDecode);
            image.width(width).height(height).bits_per_component(8);
            match components {
                1 => image.color_space().device_gray(),
                4 => image.color_space().device_cmyk(),
                _ => image.color_space().device_rgb(),
            }
        }
        Pixels::Flate { data, rgb, alpha } => {
            let mut image = pdf.image_xobject(id, data);
            image.filter(Filter::FlateDecode);
            image.width(width).height(height).bits_per_component(8);
            if alpha.is_some() {
                image.s_mask(mask_id);
            }
            if *rgb {
                image.color_space().device_rgb();
            } else {
                image.color_space().device_gray();
            }
            image.finish();
            if let Some(a) = alpha {
                let mut mask = pdf.image_xobject(mask_id, a);
                mask.filter(Filter::FlateDecode);
                mask.width(width).height(height).bits_per_component(8);
                mask.color_space().device_gray();
            }
        }
    }
}
